/* turndetect in a GstHarness: espeak-ng speech between pauses, noise; what
 * it holds, pushes, marks and posts.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "turndetect/fixture.h"
#include "audio/exactresampler.h"

#include <gst/check/gsttestclock.h>

using namespace turntest;

namespace {

/* @pcm (at kSpeechRate) at @rate. */
std::vector<int16_t>
at_rate (const std::vector<int16_t> & pcm, int rate)
{
  if (rate == kSpeechRate)
    return pcm;
  ExactResampler rs (kSpeechRate, rate);
  std::vector<int16_t> out (rs.out_frames (pcm.size ()));
  rs.resample (pcm.data (), pcm.size (), out.data ());
  rs.drain (out);
  return out;
}

GstClockTime
field_time (const GstStructure * s, const char *name)
{
  guint64 v = GST_CLOCK_TIME_NONE;
  gst_structure_get_uint64 (s, name, &v);
  return v;
}

/* The turns pushed: per turn-start ... turn-end, its samples and its
 * buffers' first PTS; every buffer between them carries @context's meta,
 * the first is DISCONT, the PTS follow by sample count. */
struct Pushed
{
  std::vector<int16_t> samples;
  GstClockTime first_pts = GST_CLOCK_TIME_NONE;
  GstClockTime start = GST_CLOCK_TIME_NONE, end = GST_CLOCK_TIME_NONE;
};

std::vector<Pushed>
turns_pushed (Harness & t)
{
  std::lock_guard < std::mutex > l (t.lock);
  std::vector<Pushed> turns;
  bool inside = false;
  GstClockTime next = GST_CLOCK_TIME_NONE;
  for (Item & i : t.out) {
    if (i.event) {
      GstClockTime start, end;
      if (gst_event_parse_turn_start (i.event, nullptr, nullptr, &start)) {
        g_assert_false (inside);
        inside = true;
        turns.push_back ({});
        turns.back ().start = start;
      } else if (gst_event_parse_turn_end (i.event, nullptr, nullptr,
              nullptr, &end, nullptr)) {
        g_assert_true (inside);
        inside = false;
        turns.back ().end = end;
      }
      continue;
    }
    g_assert_true (inside);     /* hold mode: nothing outside a turn */
    Pushed & p = turns.back ();
    GstSessionMeta *meta = gst_buffer_get_session_meta (i.buffer);
    g_assert_nonnull (meta);
    g_assert_true (meta->context == t.context);
    if (p.samples.empty ()) {
      g_assert_true (GST_BUFFER_FLAG_IS_SET (i.buffer,
              GST_BUFFER_FLAG_DISCONT));
      p.first_pts = GST_BUFFER_PTS (i.buffer);
    } else {
      g_assert_cmpuint (GST_BUFFER_PTS (i.buffer), ==, next);
    }
    auto s = samples_of (i.buffer);
    p.samples.insert (p.samples.end (), s.begin (), s.end ());
    next = p.first_pts + gst_util_uint64_scale_int (p.samples.size (),
        GST_SECOND, t.rate);
  }
  g_assert_false (inside);
  return turns;
}

}  // namespace

/* Hold mode (FastRTC's ReplyOnPause): nothing while the caller talks;
 * once they pause, the turn whole (the input's own samples, from just
 * before the first syllable to the last), between turn-start and
 * turn-end, with the session meta, re-stamped from the clock's now; the
 * next turn right after it (can-interrupt off: on, the second turn would
 * cut the first, still playing on the stopped test clock); the bus told.
 * At 22050 Hz (resampled for the detector). */
static void
test_hold_whole_turn (void)
{
  const int rate = kSpeechRate;
  Harness t (rate, "can-interrupt=false");
  gst_harness_use_testclock (t.h);
  const GstClockTime now = 100 * GST_SECOND;
  gst_harness_set_time (t.h, now);

  auto one = speak ("One two three.");
  auto two = speak ("Hello there.");
  std::vector<int16_t> in = noise (0.5, rate, 0);
  const size_t one_at = in.size ();
  append (in, one);
  const size_t one_end = in.size ();
  append (in, noise (1.0, rate, 0));
  const size_t two_at = in.size ();
  append (in, two);
  const size_t two_end = in.size ();
  append (in, noise (1.0, rate, 0));

  /* Up to 0.4 s after the first utterance: nothing. */
  size_t split = one_end + (size_t) (0.4 * rate);
  g_assert_cmpint (t.push ({in.begin (), in.begin () + split}), ==,
      GST_FLOW_OK);
  g_usleep (100000);
  g_assert_cmpuint (t.buffers (), ==, 0);
  g_assert_cmpuint (t.count (GST_TURN_START_EVENT_NAME), ==, 0);
  g_assert_cmpuint (t.messages (GST_TURN_STARTED_MESSAGE_NAME).size (), ==,
      1);
  g_assert_cmpuint (t.messages (GST_TURN_ENDED_MESSAGE_NAME).size (), ==, 0);

  g_assert_cmpint (t.push ({in.begin () + split, in.end ()}), ==,
      GST_FLOW_OK);
  gst_harness_push_event (t.h, gst_event_new_eos ());
  g_assert_true (t.wait_for ([](std::vector<Item> & out) {
            return !out.empty () && out.back ().event &&
            GST_EVENT_TYPE (out.back ().event) == GST_EVENT_EOS;
          }));

  auto turns = turns_pushed (t);
  g_assert_cmpuint (turns.size (), ==, 2);
  const size_t at[2] = { one_at, two_at }, end[2] = { one_end, two_end };
  for (int k = 0; k < 2; k++) {
    /* The input's samples, exactly, from the turn's start to its end. */
    size_t from = (size_t) gst_util_uint64_scale_round (turns[k].start, rate,
        GST_SECOND);
    g_assert_cmpuint (turns[k].samples.size (), >, 0);
    g_assert_true (std::equal (turns[k].samples.begin (),
            turns[k].samples.end (), in.begin () + from));
    /* Around the true utterance: from at most 0.2 s before it (pre-roll)
     * and never after it; ending within 0.15 s of its end. */
    double start_err = ((double) from - at[k]) / rate;
    double end_err = ((double) (from + turns[k].samples.size ()) - end[k]) /
        rate;
    g_test_message ("turn %d: start %+.3f s, end %+.3f s", k, start_err,
        end_err);
    g_assert_cmpfloat (start_err, >=, -0.2);
    g_assert_cmpfloat (start_err, <=, 0.0);
    g_assert_cmpfloat (std::fabs (end_err), <=, 0.15);
  }
  /* Re-stamped from now on the clock; the second right after the first. */
  g_assert_cmpuint (turns[0].first_pts, ==, now);
  g_assert_cmpuint (turns[1].first_pts, ==, now +
      gst_util_uint64_scale_int (turns[0].samples.size (), GST_SECOND, rate));

  auto started = t.messages (GST_TURN_STARTED_MESSAGE_NAME);
  auto ended = t.messages (GST_TURN_ENDED_MESSAGE_NAME);
  g_assert_cmpuint (started.size (), ==, 2);
  g_assert_cmpuint (ended.size (), ==, 2);
  for (int k = 0; k < 2; k++) {
    GstSessionContext *ctx = nullptr;
    guint turn = 0;
    GstClockTime start, stop;
    gchar *reason = nullptr;
    g_assert_true (gst_message_parse_turn_ended (ended[k], &ctx, &turn,
            &start, &stop, &reason));
    g_assert_true (ctx == t.context);
    g_assert_cmpuint (turn, ==, (guint) k + 1);
    g_assert_cmpstr (reason, ==, "pause");
    g_assert_cmpuint (start, ==, turns[k].start);
    g_assert_cmpuint (stop, ==, turns[k].end);
    const GstStructure *s = gst_message_get_structure (ended[k]);
    g_assert_cmpuint (field_time (s, "duration"), ==, stop - start);
    g_assert_cmpstr (gst_structure_get_string (s, "session-id"), ==,
        "caller-1");
    g_assert_cmpuint (stop - start, ==, gst_util_uint64_scale_int
        (turns[k].samples.size (), GST_SECOND, rate));
    g_assert_cmpuint (field_time (gst_message_get_structure (started[k]),
            "start"), ==, start);
    gboolean interrupt = TRUE;
    g_assert_true (gst_structure_get_boolean (gst_message_get_structure
            (started[k]), "interrupt", &interrupt));
    g_assert_false (interrupt);
    g_object_unref (ctx);
    g_free (reason);
  }
  guint n = 0;
  g_object_get (t.h->element, "turns", &n, NULL);
  g_assert_cmpuint (n, ==, 2);
}

/* can-interrupt (the default): a turn that starts while the reply to the
 * one before still plays (the sink holds its first buffer: blocking push
 * mode) cuts it. turn-started says interrupt=TRUE; what was queued of the
 * first turn is dropped (its turn-end stays), a session-clear naming the
 * session follows it, and the second turn is stamped from now, not after
 * the first. */
static void
test_interrupt (void)
{
  const int rate = kSpeechRate;
  Harness t (rate);
  gst_harness_use_testclock (t.h);
  const GstClockTime now = 100 * GST_SECOND;
  gst_harness_set_time (t.h, now);
  gst_harness_set_blocking_push_mode (t.h);

  std::vector<int16_t> in = noise (0.5, rate, 0);
  append (in, speak ("Hello there, this is a test of turn detection."));
  append (in, noise (0.8, rate, 0));
  const size_t split = in.size ();
  append (in, speak ("One two three."));
  append (in, noise (1.0, rate, 0));

  /* The first turn is pushed; its first buffer waits in the sink. */
  g_assert_cmpint (t.push ({in.begin (), in.begin () + split}), ==,
      GST_FLOW_OK);
  g_assert_true (t.wait_for ([](std::vector<Item> & out) {
            return std::any_of (out.begin (), out.end (),[](Item & i) {
                  return i.buffer != nullptr;}
            );
          }));
  /* The caller speaks again: the second turn. */
  g_assert_cmpint (t.push ({in.begin () + split, in.end ()}), ==,
      GST_FLOW_OK);
  gst_harness_push_event (t.h, gst_event_new_eos ());
  bool eos = false;
  for (int i = 0; i < 1000 && !eos; i++) {
    if (GstBuffer * b = gst_harness_try_pull (t.h))
      gst_buffer_unref (b);
    else
      g_usleep (10000);
    std::lock_guard < std::mutex > l (t.lock);
    eos = !t.out.empty () && t.out.back ().event &&
        GST_EVENT_TYPE (t.out.back ().event) == GST_EVENT_EOS;
  }
  g_assert_true (eos);

  auto started = t.messages (GST_TURN_STARTED_MESSAGE_NAME);
  g_assert_cmpuint (started.size (), ==, 2);
  for (GstMessage *m : started) {
    gboolean interrupt = FALSE;
    g_assert_true (gst_structure_get_boolean (gst_message_get_structure (m),
            "interrupt", &interrupt));
    g_assert_true (interrupt);
  }
  auto turns = turns_pushed (t);
  g_assert_cmpuint (turns.size (), ==, 2);
  /* Of the first turn only the buffer the sink held came out. */
  g_assert_cmpuint (turns[0].samples.size (), ==, (size_t) rate / 50);
  g_assert_cmpuint (turns[0].first_pts, ==, now);
  g_assert_cmpuint (turns[1].samples.size (), >, (size_t) rate / 2);
  g_assert_cmpuint (turns[1].first_pts, ==, now);
  /* Between them, the session-clear of the session. */
  std::lock_guard < std::mutex > l (t.lock);
  int clears = 0, ends = 0;
  for (Item & i : t.out) {
    if (!i.event)
      continue;
    if (gst_event_parse_turn_end (i.event, nullptr, nullptr, nullptr,
            nullptr, nullptr))
      ends++;
    GstSessionContext *ctx = nullptr;
    if (gst_event_parse_session_clear (i.event, &ctx)) {
      g_assert_cmpint (ends, ==, 1);
      g_assert_true (ctx == t.context);
      g_object_unref (ctx);
      clears++;
    }
  }
  g_assert_cmpint (clears, ==, 1);
}

/* Live mode: every buffer passes as it came (same data, same times, same
 * meta), the turn marked by turn-start when recognised and turn-end when
 * the pause is; at 8 kHz and 48 kHz. */
static void
test_live_marks (void)
{
  for (int rate : {8000, 48000}) {
    Harness t (rate, "mode=live");
    std::vector<int16_t> in = noise (0.5, rate, -50);
    const size_t at = in.size ();
    append (in, at_rate (speak ("One two three."), rate));
    const size_t end = in.size ();
    append (in, noise (1.0, rate, -50));
    g_assert_cmpint (t.push (in), ==, GST_FLOW_OK);
    gst_harness_push_event (t.h, gst_event_new_eos ());
    g_assert_true (t.wait_for ([](std::vector<Item> & out) {
              return !out.empty () && out.back ().event &&
              GST_EVENT_TYPE (out.back ().event) == GST_EVENT_EOS;
            }));
    std::lock_guard < std::mutex > l (t.lock);
    std::vector<int16_t> got;
    GstClockTime position = 0, start = GST_CLOCK_TIME_NONE,
        stop = GST_CLOCK_TIME_NONE;
    int starts = 0, ends = 0;
    for (Item & i : t.out) {
      if (i.buffer) {
        g_assert_cmpuint (GST_BUFFER_PTS (i.buffer), ==,
            gst_util_uint64_scale_int (got.size (), GST_SECOND, rate));
        g_assert_nonnull (gst_buffer_get_session_meta (i.buffer));
        auto s = samples_of (i.buffer);
        got.insert (got.end (), s.begin (), s.end ());
        position = gst_util_uint64_scale_int (got.size (), GST_SECOND, rate);
      } else if (gst_event_parse_turn_start (i.event, nullptr, nullptr,
              &start)) {
        starts++;
        /* Recognised about 0.2 s into the speech. */
        g_assert_cmpuint (position, >=, start + 150 * GST_MSECOND);
      } else if (gst_event_parse_turn_end (i.event, nullptr, nullptr,
              nullptr, &stop, nullptr)) {
        ends++;
        g_test_message ("%d Hz: turn-end at %.3f s, end %.3f s", rate, position / 1e9, stop / 1e9);
        g_assert_cmpuint (position, >=, stop + 550 * GST_MSECOND);
      }
    }
    g_assert_true (got == in);
    g_assert_cmpint (starts, ==, 1);
    g_assert_cmpint (ends, ==, 1);
    double start_err = ((double) start / GST_SECOND) - (double) at / rate;
    double end_err = ((double) stop / GST_SECOND) - (double) end / rate;
    g_test_message ("%d Hz: start %+.3f s, end %+.3f s", rate, start_err,
        end_err);
    g_assert_cmpfloat (start_err, >=, -0.2);
    g_assert_cmpfloat (start_err, <=, 0.05);
    g_assert_cmpfloat (std::fabs (end_err), <=, 0.15);
  }
}

/* Steady noise (-35 dBFS) and clicks make no turn: nothing passes, nothing
 * is posted. */
static void
test_noise_makes_no_turn (void)
{
  const int rate = 48000;
  Harness t (rate);
  std::vector<int16_t> in = noise (10.0, rate, -35, 9);
  for (size_t at = rate / 3; at + 240 < in.size (); at += rate / 2)
    for (size_t i = 0; i < 240; i++)    /* 5 ms clicks, 2 a second */
      in[at + i] = (int16_t) ((i % 2 ? 1 : -1) * 30000 * std::exp (-(double) i
              / 48));
  g_assert_cmpint (t.push (in), ==, GST_FLOW_OK);
  gst_harness_push_event (t.h, gst_event_new_eos ());
  g_assert_true (t.wait_for ([](std::vector<Item> & out) {
            return !out.empty () && out.back ().event &&
            GST_EVENT_TYPE (out.back ().event) == GST_EVENT_EOS;
          }));
  g_assert_cmpuint (t.buffers (), ==, 0);
  g_assert_cmpuint (t.messages (GST_TURN_STARTED_MESSAGE_NAME).size (), ==,
      0);
  guint n = 1;
  g_object_get (t.h->element, "turns", &n, NULL);
  g_assert_cmpuint (n, ==, 0);
}

/* EOS in the middle of a turn: the turn is pushed (reason eos), then EOS;
 * max-continuous-speech cuts a long one (reason max-length). */
static void
test_eos_and_max_length (void)
{
  {
    Harness t (kSpeechRate);
    std::vector<int16_t> in = noise (0.3, kSpeechRate, 0);
    append (in, speak ("One two three."));
    g_assert_cmpint (t.push (in), ==, GST_FLOW_OK);
    gst_harness_push_event (t.h, gst_event_new_eos ());
    g_assert_true (t.wait_for ([](std::vector<Item> & out) {
              return !out.empty () && out.back ().event &&
              GST_EVENT_TYPE (out.back ().event) == GST_EVENT_EOS;
            }));
    auto turns = turns_pushed (t);
    g_assert_cmpuint (turns.size (), ==, 1);
    auto ended = t.messages (GST_TURN_ENDED_MESSAGE_NAME);
    g_assert_cmpuint (ended.size (), ==, 1);
    g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure
            (ended[0]), "reason"), ==, "eos");
  }
  {
    Harness t (kSpeechRate, "max-continuous-speech=0.5");
    std::vector<int16_t> in = noise (0.3, kSpeechRate, 0);
    append (in, speak ("Could you tell me the weather in Paris tomorrow "
            "morning?"));
    append (in, noise (1.0, kSpeechRate, 0));
    g_assert_cmpint (t.push (in), ==, GST_FLOW_OK);
    auto ended = t.messages (GST_TURN_ENDED_MESSAGE_NAME);
    g_assert_cmpuint (ended.size (), >=, 2);
    const GstStructure *s = gst_message_get_structure (ended[0]);
    g_assert_cmpstr (gst_structure_get_string (s, "reason"), ==,
        "max-length");
    g_assert_cmpuint (field_time (s, "duration"), ==, 500 * GST_MSECOND);
  }
}

/* A flush drops the turn under way (turn-ended, reason flush, nothing
 * pushed) and the element goes on finding turns after it. */
static void
test_flush (void)
{
  Harness t (kSpeechRate);
  std::vector<int16_t> in = noise (0.3, kSpeechRate, 0);
  append (in, speak ("One two three."));
  g_assert_cmpint (t.push (in), ==, GST_FLOW_OK);
  g_assert_cmpuint (t.messages (GST_TURN_STARTED_MESSAGE_NAME).size (), ==,
      1);
  g_assert_true (gst_harness_push_event (t.h, gst_event_new_flush_start ()));
  g_assert_true (gst_harness_push_event (t.h,
          gst_event_new_flush_stop (TRUE)));
  auto ended = t.messages (GST_TURN_ENDED_MESSAGE_NAME);
  g_assert_cmpuint (ended.size (), ==, 1);
  g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure
          (ended[0]), "reason"), ==, "flush");
  g_assert_cmpuint (t.buffers (), ==, 0);

  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  g_assert_true (gst_harness_push_event (t.h,
          gst_event_new_segment (&segment)));
  t.pushed = 0;
  append (in, noise (1.0, kSpeechRate, 0));
  g_assert_cmpint (t.push (in), ==, GST_FLOW_OK);
  g_assert_true (t.wait_for ([](std::vector<Item> & out) {
            for (Item & i : out)
              if (i.event && gst_event_has_name (i.event,
                      GST_TURN_END_EVENT_NAME))
                return true;
            return false;
          }));
  g_assert_cmpuint (t.buffers (), >, 0);
}

/* A property set while audio flows applies from the next buffer (the
 * element applies settings only when one changed): max-continuous-speech
 * lowered mid-stream cuts the next utterance at that length. */
static void
test_settings_midstream (void)
{
  Harness t (kSpeechRate);
  g_assert_cmpint (t.push (noise (0.3, kSpeechRate, 0)), ==, GST_FLOW_OK);
  g_object_set (t.h->element, "max-continuous-speech", 0.5, NULL);
  std::vector<int16_t> more;
  append (more, speak ("Could you tell me the weather in Paris tomorrow "
          "morning?"));
  append (more, noise (1.0, kSpeechRate, 0));
  g_assert_cmpint (t.push (more), ==, GST_FLOW_OK);
  auto ended = t.messages (GST_TURN_ENDED_MESSAGE_NAME);
  g_assert_cmpuint (ended.size (), >=, 2);
  g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure
          (ended[0]), "reason"), ==, "max-length");
}

/* S16LE mono from 8 to 48 kHz; anything else is refused. */
static void
test_caps (void)
{
  for (int rate : {8000, 11025, 16000, 24000, 32000, 44100, 48000}) {
    Harness t (rate);
    g_assert_cmpint (t.push (noise (0.1, rate, -40)), ==, GST_FLOW_OK);
  }
  for (const char *caps : {
          "audio/x-raw,format=S16LE,channels=1,rate=7999,layout=interleaved",
          "audio/x-raw,format=S16LE,channels=2,rate=16000,layout=interleaved",
          "audio/x-raw,format=F32LE,channels=1,rate=16000,layout=interleaved"}) {
    GstHarness *h = gst_harness_new ("turndetect");
    gst_harness_set_src_caps_str (h, caps);
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 640, NULL);
    gst_buffer_memset (buf, 0, 0, 640);
    g_assert_cmpint (gst_harness_push (h, buf), ==, GST_FLOW_NOT_NEGOTIATED);
    gst_harness_teardown (h);
  }
}

/* The public helpers of gst/sessionctx/turn.h: events and messages
 * round-trip, with or without a session, and parse only as their kind. */
static void
test_api_roundtrip (void)
{
  GstSessionContext *ctx = gst_session_context_new ("c-9",
      GST_SESSION_TRANSPORT_WEBRTC, GST_SESSION_DIALECT_FASTRTC, NULL, NULL);
  GstEvent *start = gst_event_new_turn_start (ctx, 3, 5 * GST_SECOND);
  GstEvent *end = gst_event_new_turn_end (NULL, 3, 5 * GST_SECOND,
      7 * GST_SECOND, "max-length");
  g_assert_true (GST_EVENT_IS_SERIALIZED (start));
  g_assert_false (GST_EVENT_IS_STICKY (start));
  g_assert_cmpint (GST_EVENT_TYPE (end), ==, GST_EVENT_CUSTOM_DOWNSTREAM);
  GstSessionContext *got = nullptr;
  guint turn = 0;
  GstClockTime a = 0, b = 0;
  gchar *reason = nullptr;
  g_assert_true (gst_event_parse_turn_start (start, &got, &turn, &a));
  g_assert_true (got == ctx);
  g_object_unref (got);
  g_assert_cmpuint (turn, ==, 3);
  g_assert_cmpuint (a, ==, 5 * GST_SECOND);
  g_assert_cmpstr (gst_structure_get_string (gst_event_get_structure (start),
          "session-id"), ==, "c-9");
  g_assert_false (gst_event_parse_turn_end (start, NULL, NULL, NULL, NULL,
          NULL));
  g_assert_true (gst_event_parse_turn_end (end, &got, &turn, &a, &b,
          &reason));
  g_assert_null (got);
  g_assert_cmpuint (b, ==, 7 * GST_SECOND);
  g_assert_cmpstr (reason, ==, "max-length");
  g_free (reason);
  guint64 duration = 0;
  g_assert_true (gst_structure_get_uint64 (gst_event_get_structure (end),
          "duration", &duration));
  g_assert_cmpuint (duration, ==, 2 * GST_SECOND);
  g_assert_false (gst_event_parse_turn_start (end, NULL, NULL, NULL));
  g_assert_false (gst_event_parse_session_clear (end, NULL));

  GstMessage *started = gst_message_new_turn_started (NULL, ctx, 1, 42);
  GstMessage *ended = gst_message_new_turn_ended (NULL, ctx, 1, 42, 99, NULL);
  g_assert_true (gst_message_has_name (started, GST_TURN_STARTED_MESSAGE_NAME));
  g_assert_true (gst_message_parse_turn_started (started, NULL, &turn, &a));
  g_assert_cmpuint (a, ==, 42);
  g_assert_false (gst_message_parse_turn_ended (started, NULL, NULL, NULL,
          NULL, NULL));
  g_assert_true (gst_message_parse_turn_ended (ended, NULL, NULL, &a, &b,
          &reason));
  g_assert_cmpstr (reason, ==, "pause");
  g_free (reason);
  got = gst_message_get_session_context (ended);
  g_assert_true (got == ctx);
  g_object_unref (got);
  gst_message_unref (started);
  gst_message_unref (ended);
  gst_event_unref (start);
  gst_event_unref (end);
  g_object_unref (ctx);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/turndetect/hold-whole-turn", test_hold_whole_turn);
  g_test_add_func ("/turndetect/interrupt", test_interrupt);
  g_test_add_func ("/turndetect/live-marks", test_live_marks);
  g_test_add_func ("/turndetect/noise-makes-no-turn",
      test_noise_makes_no_turn);
  g_test_add_func ("/turndetect/eos-and-max-length", test_eos_and_max_length);
  g_test_add_func ("/turndetect/flush", test_flush);
  g_test_add_func ("/turndetect/caps", test_caps);
  g_test_add_func ("/turndetect/settings-midstream", test_settings_midstream);
  g_test_add_func ("/turndetect/api-roundtrip", test_api_roundtrip);
  return g_test_run ();
}
