/* Unit tests: the context/meta/event/message API, and the meta through
 * common elements (the README's table).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common/tone.h"
#include "common/wait.h"

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.hpp>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>

#include <algorithm>
#include <cstring>
#include <vector>

using namespace sessionctx;

static GstSessionContext *
make_context (const char *id = "abc")
{
  GstStructure *meta = gst_structure_new ("metadata", "callSid",
      G_TYPE_STRING, "CA1", NULL);
  return gst_session_context_new (id, GST_SESSION_TRANSPORT_WEBSOCKET,
      GST_SESSION_DIALECT_TWILIO, "127.0.0.1:5000", meta);
}

/* ---------------- context / meta / event / message API ---------------- */

static void
test_context_fields ()
{
  GstSessionContext *ctx = make_context ();
  g_assert_cmpstr (gst_session_context_get_id (ctx), ==, "abc");
  g_assert_cmpint (gst_session_context_get_transport (ctx), ==,
      GST_SESSION_TRANSPORT_WEBSOCKET);
  g_assert_cmpint (gst_session_context_get_dialect (ctx), ==,
      GST_SESSION_DIALECT_TWILIO);
  g_assert_cmpstr (gst_session_context_get_remote_address (ctx), ==,
      "127.0.0.1:5000");
  g_assert_cmpstr (gst_structure_get_string (gst_session_context_get_metadata
          (ctx), "callSid"), ==, "CA1");
  g_assert_cmpint (gst_session_context_get_started_wall (ctx), >, 0);
  g_assert_cmpint (gst_session_context_get_started_monotonic (ctx), >, 0);

  gchar *id = nullptr;
  GstSessionTransport transport;
  g_object_get (ctx, "id", &id, "transport", &transport, NULL);
  g_assert_cmpstr (id, ==, "abc");
  g_assert_cmpint (transport, ==, GST_SESSION_TRANSPORT_WEBSOCKET);
  g_free (id);

  g_assert_cmpstr (gst_session_transport_to_string
      (GST_SESSION_TRANSPORT_WEBRTC), ==, "webrtc");
  g_assert_cmpstr (gst_session_dialect_to_string
      (GST_SESSION_DIALECT_FASTRTC), ==, "fastrtc");
  g_assert_cmpstr (gst_session_end_reason_to_string
      (GST_SESSION_END_REASON_TIME_LIMIT), ==, "time-limit");

  /* No metadata given: an empty structure, never NULL. */
  GstSessionContext *bare = gst_session_context_new ("x",
      GST_SESSION_TRANSPORT_WEBRTC, GST_SESSION_DIALECT_FASTRTC, NULL, NULL);
  g_assert_nonnull (gst_session_context_get_metadata (bare));
  g_assert_null (gst_session_context_get_remote_address (bare));
  g_object_unref (bare);
  g_object_unref (ctx);
}

static void
test_context_rejects_empty_id ()
{
  g_test_expect_message ("GstSessionCtx", G_LOG_LEVEL_CRITICAL, "*id != NULL*");
  g_assert_null (gst_session_context_new ("", GST_SESSION_TRANSPORT_WEBSOCKET,
          GST_SESSION_DIALECT_FASTRTC, NULL, NULL));
  g_test_assert_expected_messages ();
}

static void
test_meta_add_get ()
{
  GstSessionContext *ctx = make_context ();
  GstBuffer *buf = gst_buffer_new_allocate (nullptr, 320, nullptr);
  g_assert_null (gst_buffer_get_session_meta (buf));
  g_assert_null (gst_session_context_get_current (nullptr, buf));

  GstSessionMeta *meta = gst_buffer_add_session_meta (buf, ctx);
  g_assert_true (meta->context == ctx);
  g_assert_true (gst_buffer_get_session_meta (buf) == meta);

  GstSessionContext *cur = gst_session_context_get_current (nullptr, buf);
  g_assert_true (cur == ctx);
  g_object_unref (cur);

  /* Copies keep the meta (and the same context). */
  GstBuffer *copy = gst_buffer_copy_deep (buf);
  g_assert_true (gst_buffer_get_session_meta (copy)->context == ctx);

  /* The meta holds its own reference. */
  g_object_add_weak_pointer (G_OBJECT (ctx), (gpointer *) & ctx);
  g_object_unref (ctx);
  g_assert_nonnull (ctx);
  gst_buffer_unref (buf);
  g_assert_nonnull (ctx);
  gst_buffer_unref (copy);
  g_assert_null (ctx);

  /* C++ helper */
  GstSessionContext *c2 = make_context ("cpp");
  GstBuffer *b2 = gst_buffer_new ();
  gst_buffer_add_session_meta (b2, c2);
  g_object_unref (c2);
  {
    auto current = gst::session::current (nullptr, b2);
    g_assert_true (bool (current));
    assert_str_eq (current.id (), "cpp");
    auto copy2 = current;
    g_assert_true (copy2.get () == current.get ());
  }
  g_assert_false (bool (gst::session::current (nullptr, nullptr)));
  gst_buffer_unref (b2);
}

static void
test_events_and_messages ()
{
  GstSessionContext *ctx = make_context ();
  GstSessionContext *out = nullptr;

  GstEvent *sticky = gst_event_new_session_context (ctx);
  g_assert_cmpint (GST_EVENT_TYPE (sticky), ==,
      GST_EVENT_CUSTOM_DOWNSTREAM_STICKY);
  g_assert_true (gst_event_parse_session_context (sticky, &out));
  g_assert_true (out == ctx);
  g_object_unref (out);
  g_assert_false (gst_event_parse_session_start (sticky, nullptr));

  GstEvent *start = gst_event_new_session_start (ctx);
  g_assert_cmpint (GST_EVENT_TYPE (start), ==, GST_EVENT_CUSTOM_DOWNSTREAM);
  g_assert_true (GST_EVENT_IS_SERIALIZED (start));
  g_assert_true (gst_event_parse_session_start (start, nullptr));
  out = nullptr;
  g_assert_true (gst_event_parse_session_start (start, &out));
  g_assert_true (out == ctx);
  g_object_unref (out);

  GstSessionEndReason reason;
  GstEvent *end = gst_event_new_session_end (ctx, GST_SESSION_END_REASON_IDLE);
  out = nullptr;
  g_assert_true (gst_event_parse_session_end (end, &out, &reason));
  g_assert_true (out == ctx);
  g_assert_cmpint (reason, ==, GST_SESSION_END_REASON_IDLE);
  g_object_unref (out);

  gchar *digit = nullptr;
  GstEvent *dtmf = gst_event_new_session_dtmf (ctx, "7");
  out = nullptr;
  g_assert_true (gst_event_parse_session_dtmf (dtmf, &out, &digit));
  g_assert_true (out == ctx);
  g_assert_cmpstr (digit, ==, "7");
  g_free (digit);
  g_object_unref (out);
  /* Each event names the session in its structure too, and only parses
   * as its own kind. */
  for (GstEvent *e : {sticky, start, end, dtmf})
    g_assert_cmpstr (gst_structure_get_string (gst_event_get_structure (e),
            "session-id"), ==, "abc");
  g_assert_false (gst_event_parse_session_end (start, nullptr, nullptr));
  g_assert_false (gst_event_parse_session_dtmf (end, nullptr, nullptr));
  g_assert_false (gst_event_parse_session_context (dtmf, nullptr));

  /* The sticky event answers on a pad when the buffer has no meta. */
  GstPad *pad = gst_pad_new ("sink", GST_PAD_SINK);
  gst_pad_set_active (pad, TRUE);
  g_assert_null (gst_session_context_get_current (pad, nullptr));
  gst_pad_store_sticky_event (pad, sticky);
  GstBuffer *plain = gst_buffer_new ();
  out = gst_session_context_get_current (pad, plain);
  g_assert_true (out == ctx);
  g_object_unref (out);
  /* ...but the buffer's meta wins over the pad. */
  GstSessionContext *other = make_context ("other");
  gst_buffer_add_session_meta (plain, other);
  out = gst_session_context_get_current (pad, plain);
  g_assert_true (out == other);
  g_object_unref (out);
  g_object_unref (other);
  gst_buffer_unref (plain);
  gst_pad_set_active (pad, FALSE);
  gst_object_unref (pad);

  GstSessionStats stats = { 10, 1600, 2 * GST_SECOND };
  GstMessage *ended = gst_message_new_session_ended (nullptr, ctx,
      GST_SESSION_END_REASON_STOP, &stats);
  GstSessionStats got = { 0, 0, 0 };
  out = nullptr;
  g_assert_true (gst_message_parse_session_ended (ended, &out, &reason, &got));
  g_assert_true (out == ctx);
  g_assert_cmpint (reason, ==, GST_SESSION_END_REASON_STOP);
  g_assert_cmpuint (got.frames, ==, 10);
  g_assert_cmpuint (got.bytes, ==, 1600);
  g_assert_cmpuint (got.duration, ==, 2 * GST_SECOND);
  g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure
          (ended), "reason-name"), ==, "stop");
  g_object_unref (out);

  GstMessage *started = gst_message_new_session_started (nullptr, ctx);
  out = gst_message_get_session_context (started);
  g_assert_true (out == ctx);
  g_object_unref (out);
  g_assert_false (gst_message_parse_session_ended (started, nullptr, nullptr,
          nullptr));
  /* Structures print the context as transport/dialect:id. */
  gchar *text = gst_structure_to_string (gst_message_get_structure (started));
  g_assert_nonnull (strstr (text, "websocket/twilio:abc"));
  g_free (text);

  GstMessage *app = gst_message_new_session_message (nullptr, ctx, "{}");
  g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure (app),
          "message"), ==, "{}");
  GstMessage *mark = gst_message_new_session_mark (nullptr, ctx, "m1");
  g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure (mark),
          "name"), ==, "m1");
  /* Every message carries the context and names the session. */
  for (GstMessage *m : {ended, started, app, mark}) {
    out = gst_message_get_session_context (m);
    g_assert_true (out == ctx);
    g_object_unref (out);
    g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure (m),
            "session-id"), ==, "abc");
  }

  for (GstMessage *m : {ended, started, app, mark})
    gst_message_unref (m);
  for (GstEvent *e : {sticky, start, end, dtmf})
    gst_event_unref (e);
  g_object_unref (ctx);
}

/* ---------------- meta through elements ---------------- */

/* Pushes 1 s of 48 kHz S16LE mono (50 buffers with the meta) through
 * @launch, drains with EOS, and reports how many output buffers carry the
 * meta (once made writable: copied when the element forwarded its input)
 * and whether the sticky event answers for the others. */
struct Survival
{
  guint out_buffers = 0;
  guint with_meta = 0;
  guint with_context = 0;       /* meta or sticky event */
  guint forwarded = 0;          /* the input buffer itself */
};

static Survival
push_through (const char *launch)
{
  /* A bare name of an element with request sink pads (a mixer). */
  GstHarness *h = strchr (launch, ' ') || strcmp (launch, "audiomixer") != 0 ?
      gst_harness_new_parse (launch) :
      gst_harness_new_with_padnames (launch, "sink_%u", "src");
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,channels=1,rate=48000");
  GstSessionContext *ctx = make_context ("through");
  /* The source of truth for elements that drop metas. */
  gst_harness_push_event (h, gst_event_new_session_context (ctx));
  test::Tone tone (440, 48000);
  std::vector<GstBuffer *> held;
  for (int i = 0; i < 50; i++) {
    auto pcm = tone.next (960);
    GstBuffer *buf = gst_buffer_new_memdup (pcm.data (), pcm.size () * 2);
    GST_BUFFER_PTS (buf) = i * 20 * GST_MSECOND;
    GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
    gst_buffer_add_session_meta (buf, ctx);
    /* Held here too, as a tee's other branch would: the buffer reaches the
     * element (and what it forwards reaches us) not writable. */
    held.push_back (gst_buffer_ref (buf));
    g_assert_cmpint (gst_harness_push (h, buf), ==, GST_FLOW_OK);
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  /* EOS is serialized: once it arrives, every buffer has too (queue and
   * tee ! queue push from their own thread). */
  bool eos = false;
  for (int i = 0; i < 10000 && !eos; i++) {
    if (GstEvent * e = gst_harness_try_pull_event (h)) {
      eos = GST_EVENT_TYPE (e) == GST_EVENT_EOS;
      gst_event_unref (e);
    } else {
      g_usleep (1000);
    }
  }
  g_assert_true (eos);

  Survival r;
  while (GstBuffer * out = gst_harness_try_pull (h)) {
    r.out_buffers++;
    /* What an element downstream that writes in place does: a forwarded
     * buffer, still shared, is copied (the meta's transform). */
    if (std::find (held.begin (), held.end (), out) != held.end ())
      r.forwarded++;
    out = gst_buffer_make_writable (out);
    if (GstSessionMeta * m = gst_buffer_get_session_meta (out)) {
      g_assert_true (m->context == ctx);
      r.with_meta++;
    }
    GstSessionContext *cur = gst_session_context_get_current (h->sinkpad, out);
    if (cur) {
      g_assert_true (cur == ctx);
      r.with_context++;
      g_object_unref (cur);
    }
    gst_buffer_unref (out);
  }
  for (auto *b : held)
    gst_buffer_unref (b);
  g_object_unref (ctx);
  gst_harness_teardown (h);
  return r;
}

struct Chain
{
  const char *name;
  const char *launch;
  bool keeps_meta;
  /* Buffers flushed out at EOS from internal state have no input buffer
   * to take the meta from. */
  guint drain_without_meta;
  /* Passes its input buffers on (so the copy made of each exercises the
   * meta's transform). */
  bool forwards = false;
};

/* Measured with GStreamer 1.22 (the README's table comes from here). */
static const Chain chains[] = {
  {"audioconvert", "audioconvert ! capsfilter caps=audio/x-raw,format=F32LE",
      true, 0},
  /* The filter's tail, flushed at EOS, has no input buffer. */
  {"audioresample", "audioresample ! capsfilter caps=audio/x-raw,rate=16000",
      true, 1},
  {"queue", "queue", true, 0, true},
  {"tee", "tee ! queue", true, 0, true},
  /* In place: identity itself copies an input that is not writable. */
  {"identity", "identity", true, 0},
  {"opus", "opusenc ! opusdec", true, 0},
  {"mulaw", "mulawenc ! mulawdec", true, 0},
  {"rtp-opus", "opusenc ! rtpopuspay ! rtpopusdepay ! opusdec", true, 0},
  /* Aggregators build new buffers: the meta is gone, the sticky event
   * answers. */
  {"audiomixer", "audiomixer", false, 0},
};

/* One case per chain, /meta/through/<name>, each registered in main (). */
static_assert (G_N_ELEMENTS (chains) == 9, "a chain was added or removed: "
    "add or remove its g_test_add_func (\"/meta/through/<name>\", ...) line "
    "in main () and count it here");

static void
test_meta_survival ()
{
  /* The chain this case is named after. */
  const char *name = strrchr (g_test_get_path (), '/') + 1;
  const Chain *c = nullptr;
  for (const Chain & each : chains)
    if (strcmp (each.name, name) == 0)
      c = &each;
  g_assert_nonnull (c);
  Survival r = push_through (c->launch);
  g_test_message ("%s: %u buffers out (%u forwarded, copied), %u with meta, "
      "%u with context", c->launch, r.out_buffers, r.forwarded, r.with_meta,
      r.with_context);
  g_assert_cmpuint (r.out_buffers, >, 0);
  /* Elements that pass buffers on: each was copied here. */
  if (c->forwards)
    g_assert_cmpuint (r.forwarded, ==, r.out_buffers);
  if (c->keeps_meta)
    g_assert_cmpuint (r.with_meta, >=, r.out_buffers - c->drain_without_meta);
  else
    g_assert_cmpuint (r.with_meta, ==, 0);
  /* Whatever the element does with metas, the sticky event answers. */
  g_assert_cmpuint (r.with_context, ==, r.out_buffers);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/context/fields", test_context_fields);
  g_test_add_func ("/context/rejects-empty-id", test_context_rejects_empty_id);
  g_test_add_func ("/meta/add-get", test_meta_add_get);
  g_test_add_func ("/event-message/roundtrip", test_events_and_messages);
  g_test_add_func ("/meta/through/audioconvert", test_meta_survival);
  g_test_add_func ("/meta/through/audioresample", test_meta_survival);
  g_test_add_func ("/meta/through/queue", test_meta_survival);
  g_test_add_func ("/meta/through/tee", test_meta_survival);
  g_test_add_func ("/meta/through/identity", test_meta_survival);
  g_test_add_func ("/meta/through/opus", test_meta_survival);
  g_test_add_func ("/meta/through/mulaw", test_meta_survival);
  g_test_add_func ("/meta/through/rtp-opus", test_meta_survival);
  g_test_add_func ("/meta/through/audiomixer", test_meta_survival);
  return g_test_run ();
}
