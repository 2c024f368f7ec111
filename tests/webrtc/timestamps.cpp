/* The timestamps of the audio a WebRTC peer gets back: SendClock's audio
 * alone (plugin/webrtc/audiotrack.h), the audio send chain in GstHarness
 * with a test clock, and a client webrtcbin in this process (ICE on
 * 127.0.0.1) echoed by sessionsrc ! sessionsink, steady and then stalling
 * 250 ms every second, what comes back read before its depayloader.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/fixture.h"

#include "webrtc/audiotrack.h"
#include "webrtc/sendclock.h"
#include "webrtc/peersettings.h"

#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <atomic>

namespace {

/* One RTP packet as the client got it. */
struct Packet
{
  guint16 seq;
  guint32 ts;
};

struct PacketLog
{
  std::mutex lock;
  std::vector<Packet> packets;
};

/* Records every RTP packet reaching a src pad of the client's webrtcbin
 * (the audio it gets back, its only media): what its depayloader gets. */
void
record_incoming_rtp (GstElement * webrtcbin, PacketLog * log)
{
  g_signal_connect (webrtcbin, "pad-added", G_CALLBACK (+[](GstElement *,
              GstPad * pad, PacketLog * log) {
            if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
              return;
            gst_pad_add_probe (pad, (GstPadProbeType)
                (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                [](GstPad *, GstPadProbeInfo * info, gpointer data) {
                  auto *log = static_cast<PacketLog *> (data);
                  test::for_each_buffer (info,[&](GstBuffer * buf) {
                        GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
                        if (!gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp))
                          return;
                        Packet p { gst_rtp_buffer_get_seq (&rtp),
                            gst_rtp_buffer_get_timestamp (&rtp) };
                        gst_rtp_buffer_unmap (&rtp);
                        std::lock_guard < std::mutex > l (log->lock);
                        log->packets.push_back (p);
                      });
                  return GST_PAD_PROBE_OK;
                }, log, nullptr);
          }), log);
}

/* Once switched on, holds the client's tone for @hold_ms once per second
 * of it (its streaming thread sleeps in a probe): then the live source
 * catches up, as a client whose event loop stalled does. */
class ClientStalls
{
public:
  ClientStalls (ClientPeer & client, guint hold_ms):hold_ms_ (hold_ms)
  {
    GstElement *tone = gst_bin_get_by_name (GST_BIN (client.pipeline ()),
        "tone");
    pad_ = gst_element_get_static_pad (tone, "src");
    gst_object_unref (tone);
    probe_ = gst_pad_add_probe (pad_, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad *, GstPadProbeInfo * info, gpointer data) {
          static_cast<ClientStalls *> (data)->on_buffer
              (GST_PAD_PROBE_INFO_BUFFER (info));
          return GST_PAD_PROBE_OK;
        }, this, nullptr);
  }
  ~ClientStalls ()
  {
    gst_pad_remove_probe (pad_, probe_);
    gst_object_unref (pad_);
  }
  void start () { on_ = true; }
  int count () const { return count_; }

private:
  void on_buffer (GstBuffer * buf)
  {
    const GstClockTime pts = GST_BUFFER_PTS (buf);
    if (!on_ || !GST_CLOCK_TIME_IS_VALID (pts))
      return;
    if (!GST_CLOCK_TIME_IS_VALID (next_))
      next_ = pts;
    if (pts >= next_) {
      next_ += GST_SECOND;
      count_++;
      g_usleep (hold_ms_ * 1000);
    }
  }

  guint hold_ms_;
  GstPad *pad_;
  gulong probe_;
  std::atomic<bool> on_ { false };
  GstClockTime next_ = GST_CLOCK_TIME_NONE;     /* the probe's thread */
  std::atomic<int> count_ { 0 };
};

/* What the steps between consecutive packets were. */
struct Steps
{
  size_t steps = 0;
  size_t exact = 0;             /* 960 per sequence number: 20 ms */
  size_t jumps = 0;             /* forward by more than that */
  size_t other = 0;             /* forward by less */
  size_t not_increasing = 0;    /* equal or backwards */
  size_t equal = 0;             /* equal */
  size_t longest_equal_run = 1;
  size_t duplicates = 0;        /* timestamps seen before, anywhere */
  size_t seq_gaps = 0;
  gint32 min_step = G_MAXINT32, max_step = G_MININT32;
};

Steps
analyse (const std::vector<Packet> & packets)
{
  Steps s;
  std::set<guint32> seen;
  size_t run = 1;
  for (size_t i = 0; i < packets.size (); i++) {
    const Packet & p = packets[i];
    if (!seen.insert (p.ts).second)
      s.duplicates++;
    if (i > 0) {
      const Packet & q = packets[i - 1];
      const gint32 d = (gint32) (p.ts - q.ts);
      const int k = (guint16) (p.seq - q.seq);
      s.steps++;
      s.seq_gaps += k != 1;
      s.min_step = MIN (s.min_step, d);
      s.max_step = MAX (s.max_step, d);
      if (d <= 0)
        s.not_increasing++;
      if (d == 0) {
        s.equal++;
        s.longest_equal_run = MAX (s.longest_equal_run, ++run);
      } else {
        run = 1;
      }
      if (d > 0 && d == 960 * k)
        s.exact++;
      else if (d > 960 * k)
        s.jumps++;
      else if (d > 0)
        s.other++;
    }
  }
  return s;
}

/* The appsrc of the first WebRTC peer's audio send chain in @src (a new
 * ref), or NULL. */
GstElement *
send_appsrc (GstElement * src)
{
  GstElement *found = nullptr;
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (src));
  GValue v = G_VALUE_INIT;
  while (!found && gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    auto *e = GST_ELEMENT (g_value_get_object (&v));
    GstElementFactory *f = gst_element_get_factory (e);
    if (f && g_str_equal (GST_OBJECT_NAME (f), "appsrc")) {
      GstCaps *caps = nullptr;
      g_object_get (e, "caps", &caps, NULL);
      if (caps && g_str_equal (gst_structure_get_name
              (gst_caps_get_structure (caps, 0)), "audio/x-raw"))
        found = GST_ELEMENT (gst_object_ref (e));
      if (caps)
        gst_caps_unref (caps);
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return found;
}

/* A buffer of @samples silent samples at 48 kHz, stamped by @clock at
 * @now, of no media time of its own (as the tail of a resampler). */
GstBuffer *
stamped (SendClock & clock, size_t samples, GstClockTime now)
{
  GstBuffer *buf = gst_buffer_new_allocate (nullptr, samples * 2, nullptr);
  clock.stamp_audio (buf, samples, 48000, GST_CLOCK_TIME_NONE, now);
  return buf;
}

/* The RTP timestamp of @buf. */
guint32
rtp_timestamp (GstBuffer * buf)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp));
  guint32 ts = gst_rtp_buffer_get_timestamp (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  return ts;
}

}  // namespace

/* SendClock's audio: PTS by sample count from the running time less 100 ms
 * at the first buffer; a burst (the running time standing still) gets
 * consecutive timestamps; up to 100 ms behind the running time is counted
 * on, further behind is stamped 100 ms behind it (DISCONT); a running time
 * behind the count or none never moves it back. */
static void
test_send_clock ()
{
  const GstClockTime ms = GST_MSECOND;
  SendClock clock;
  GstBuffer *b = stamped (clock, 960, 5000 * ms);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 4900 * ms);
  g_assert_cmpuint (GST_BUFFER_DURATION (b), ==, 20 * ms);
  g_assert_false (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DISCONT));
  gst_buffer_unref (b);
  /* A burst: ten buffers at once, ahead of the running time by the end. */
  for (int i = 1; i <= 10; i++) {
    b = stamped (clock, 960, 5000 * ms);
    g_assert_cmpuint (GST_BUFFER_PTS (b), ==, (4900 + 20 * i) * ms);
    gst_buffer_unref (b);
  }
  /* 220 ms counted; sizes that are not whole milliseconds. */
  b = stamped (clock, 441, 5100 * ms);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 5120 * ms);
  g_assert_cmpuint (GST_BUFFER_DURATION (b), ==, 9187500);
  gst_buffer_unref (b);
  b = stamped (clock, 519, 5100 * ms);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 5129187500);
  g_assert_cmpuint (GST_BUFFER_DURATION (b), ==, 10812500);
  gst_buffer_unref (b);
  /* Due at 5140 ms: 100 ms behind the running time is still counted
   * on... */
  b = stamped (clock, 960, 5240 * ms);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 5140 * ms);
  g_assert_false (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DISCONT));
  gst_buffer_unref (b);
  /* ... (due at 5160 ms) further behind is stamped 100 ms behind it: a
   * jump forward. */
  b = stamped (clock, 960, 5760 * ms);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 5660 * ms);
  g_assert_true (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DISCONT));
  gst_buffer_unref (b);
  /* A running time behind the count, or none: counted on. */
  b = stamped (clock, 960, 1000 * ms);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 5680 * ms);
  g_assert_false (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DISCONT));
  gst_buffer_unref (b);
  b = stamped (clock, 960, GST_CLOCK_TIME_NONE);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 5700 * ms);
  gst_buffer_unref (b);
  /* No running time yet, or less than 100 ms of it: counted from 0. */
  SendClock unclocked, young;
  b = stamped (unclocked, 960, GST_CLOCK_TIME_NONE);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 0);
  gst_buffer_unref (b);
  b = stamped (unclocked, 960, GST_CLOCK_TIME_NONE);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 20 * ms);
  gst_buffer_unref (b);
  b = stamped (young, 960, 50 * ms);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 0);
  gst_buffer_unref (b);
}

/* SendClock, audio by media time and video on its timeline: audio
 * anchors 100 ms before its buffers' media time (not the running time
 * they are pushed at); video stands off its media time as audio does:
 * 100 ms before it with no audio yet, audio's offset at once when that
 * grew (a burst counted ahead), a quarter of each frame's step at a time
 * when it shrank (a gap), never back, not for a change within 10 ms (the
 * arrival jitter of audio's media times); its first frame as far behind
 * the running time as audio's first buffer was. */
static void
test_send_clock_video ()
{
  const GstClockTime ms = GST_MSECOND;
  SendClock clock;
  auto audio = [&](GstClockTime media, GstClockTime now = GST_CLOCK_TIME_NONE) {
    GstBuffer *b = gst_buffer_new_allocate (nullptr, 960 * 2, nullptr);
    clock.stamp_audio (b, 960, 48000, media, now);
    GstClockTime pts = GST_BUFFER_PTS (b);
    gst_buffer_unref (b);
    return pts;
  };
  auto video = [&](GstClockTime media, GstClockTime now = GST_CLOCK_TIME_NONE) {
    GstBuffer *b = gst_buffer_new ();
    clock.stamp_video (b, media, now);
    GstClockTime pts = GST_BUFFER_PTS (b);
    gst_buffer_unref (b);
    return pts;
  };
  /* No audio yet: 100 ms before the frame's time; none: the running
   * time's. */
  g_assert_cmpuint (video (1000 * ms), ==, 900 * ms);
  g_assert_cmpuint (video (GST_CLOCK_TIME_NONE, 1040 * ms), ==, 940 * ms);
  /* Audio anchors by its media time, whenever it is pushed. */
  g_assert_cmpuint (audio (2000 * ms, 5000 * ms), ==, 1900 * ms);
  /* A burst: ten buffers of one media time, counted ahead to +100 ms;
   * the next frame stands off as far. */
  for (int i = 1; i <= 10; i++)
    g_assert_cmpuint (audio (2000 * ms), ==, (1900 + 20 * i) * ms);
  g_assert_cmpuint (video (2000 * ms), ==, 2100 * ms);
  g_assert_cmpuint (video (2040 * ms), ==, 2140 * ms);
  g_assert_cmpint (clock.video_offset (), ==, 100 * (gint64) ms);
  /* A gap: audio anchors again, 100 ms before; the offset comes down
   * 10 ms a frame (40 ms apart: they go 30 ms apart meanwhile). */
  g_assert_cmpuint (audio (3000 * ms), ==, 2900 * ms);
  g_assert_cmpuint (video (2080 * ms), ==, 2170 * ms);
  g_assert_cmpuint (video (2120 * ms), ==, 2200 * ms);
  /* Never back, never equal: a frame of an earlier time, or of none. */
  g_assert_cmpuint (video (2100 * ms), ==, 2201 * ms);
  g_assert_cmpuint (video (GST_CLOCK_TIME_NONE), ==, 2202 * ms);

  /* Within 10 ms of where it is, video's offset stays. */
  SendClock steady;
  auto a2 = [&](GstClockTime media) {
    GstBuffer *b = gst_buffer_new_allocate (nullptr, 960 * 2, nullptr);
    steady.stamp_audio (b, 960, 48000, media, GST_CLOCK_TIME_NONE);
    gst_buffer_unref (b);
  };
  auto v2 = [&](GstClockTime media) {
    GstBuffer *b = gst_buffer_new ();
    steady.stamp_video (b, media, GST_CLOCK_TIME_NONE);
    GstClockTime pts = GST_BUFFER_PTS (b);
    gst_buffer_unref (b);
    return pts;
  };
  a2 (1000 * ms);               /* PTS 900: −100 */
  a2 (1015 * ms);               /* PTS 920, 5 ms sooner: −95 */
  g_assert_cmpuint (v2 (1010 * ms), ==, 910 * ms);
  a2 (1032 * ms);               /* PTS 940: −92, within 10 ms */
  g_assert_cmpuint (v2 (1050 * ms), ==, 950 * ms);
  a2 (1045 * ms);               /* PTS 960: −85, past it */
  g_assert_cmpuint (v2 (1090 * ms), ==, 1005 * ms);

  /* The first frame goes as late as audio's first buffer went: 250 ms
   * behind the running time; the next at audio's offset. */
  SendClock late;
  GstBuffer *b = gst_buffer_new_allocate (nullptr, 960 * 2, nullptr);
  late.stamp_audio (b, 960, 48000, 2000 * ms, 2150 * ms);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 1900 * ms);
  gst_buffer_unref (b);
  b = gst_buffer_new ();
  late.stamp_video (b, 2010 * ms, 2160 * ms);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 1910 * ms);
  gst_buffer_unref (b);
  b = gst_buffer_new ();
  late.stamp_video (b, 2043 * ms, 2170 * ms);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 1943 * ms);
  gst_buffer_unref (b);
}

/* The audio send chain with a test clock: its appsrc does not stamp on
 * arrival, push_pcm () does by count: 1.4 s pushed at once (the clock
 * standing still) comes out as RTP timestamps 960 apart, odd buffer sizes
 * too; then the clock moves on 1.6 s: the count, which began 0.1 s behind
 * it, is 0.3 s behind, the next buffer is stamped 0.1 s behind it, and the
 * RTP timestamps jump forward by 0.2 s once, then go on 960 apart. */
static void
test_send_chain_rtp ()
{
  OfferedMedia media;
  media.kind = sessionctx::MediaKind::audio;
  media.codecs.push_back (OfferedCodec { "opus", 111, 48000, 2 });
  PeerSettings settings;
  AudioTrackFactory factory;
  GstElement *appsrc = nullptr;
  GstElement *chain = factory.make_send_chain (media, settings, &appsrc);
  g_assert_nonnull (chain);
  gboolean do_timestamp = TRUE;
  g_object_get (appsrc, "do-timestamp", &do_timestamp, NULL);
  g_assert_false (do_timestamp);
  gst_object_ref_sink (chain);
  GstHarness *h = gst_harness_new_with_element (chain, nullptr, "src");
  gst_object_unref (chain);
  gst_harness_use_testclock (h);
  g_assert_true (gst_harness_set_time (h, 10 * GST_SECOND));
  gst_harness_play (h);

  std::vector<int16_t> pcm (960 * 3);
  SendClock clock;
  std::vector<guint32> ts;
  auto push_and_pull = [&](std::initializer_list<size_t> sizes,
      size_t packets) {
    for (size_t n : sizes)
      g_assert_cmpint (AudioTrackFactory::push_pcm (appsrc, clock, pcm.data (),
              n, GST_CLOCK_TIME_NONE), ==, GST_FLOW_OK);
    g_assert_true (test::wait_for ([&] {
              while (GstBuffer * buf = gst_harness_try_pull (h)) {
                ts.push_back (rtp_timestamp (buf));
                gst_buffer_unref (buf);
              }
              return ts.size () >= packets;
            }, 10000));
  };
  /* 50 × 20 ms, then 0.4 s in sizes of a 44.1 kHz resampler's output. */
  push_and_pull ({960, 960, 960, 960, 960, 960, 960, 960, 960, 960,
          960, 960, 960, 960, 960, 960, 960, 960, 960, 960, 960, 960, 960,
          960, 960, 960, 960, 960, 960, 960, 960, 960, 960, 960, 960, 960,
          960, 960, 960, 960, 960, 960, 960, 960, 960, 960, 960, 960, 960,
          960}, 49);
  for (int i = 0; i < 40; i++)
    push_and_pull ({(size_t) (i % 2 ? 478 : 482)}, 0);
  push_and_pull ({}, 68);
  const size_t before_gap = ts.size ();
  g_assert_true (gst_harness_set_time (h, 11600 * GST_MSECOND));
  for (int i = 0; i < 20; i++)
    push_and_pull ({960}, 0);
  push_and_pull ({}, before_gap + 18);
  gst_harness_teardown (h);

  size_t jumps = 0;
  for (size_t i = 1; i < ts.size (); i++) {
    const gint32 d = (gint32) (ts[i] - ts[i - 1]);
    if (d == 960)
      continue;
    /* opusenc stamps its first packet its lookahead (312 samples at
     * 48 kHz) later than the count it goes on with. */
    g_test_message ("step %zu: %d", i, d);
    g_assert_true ((i == 1 && d == 960 - 312) || d == 960 + 48 * 200);
    jumps += d > 960;
  }
  g_assert_cmpuint (jumps, ==, 1);
}

/* How much audio waits in @s's first peer's send appsrc (webrtcbin sends
 * each packet when its timestamp is due), sampled every 10 ms for @ms:
 * its average and its most, in milliseconds of audio. */
std::pair<guint64, guint64>
audio_waiting (Server & s, guint ms)
{
  GstElement *appsrc = nullptr;
  g_assert_true (test::wait_for ([&] {
            return (appsrc = send_appsrc (s.src)) != nullptr;
          }));
  guint64 most = 0, sum = 0, n = 0;
  const gint64 end = g_get_monotonic_time () + ms * 1000;
  while (g_get_monotonic_time () < end) {
    guint64 bytes = 0;
    g_object_get (appsrc, "current-level-bytes", &bytes, NULL);
    most = MAX (most, bytes);
    sum += bytes;
    n++;
    test::spin (10);
  }
  gst_object_unref (appsrc);
  const guint64 per_ms = AudioTrackFactory::kSendRate * 2 / 1000;
  return { sum / n / per_ms, most / per_ms };
}

/* A client echoed for 3 s, then for 6 s while its sending stalls 250 ms
 * every second (then catches up, a burst): the audio it gets back has RTP
 * timestamps that always increase, never two equal, 960 (20 ms at
 * 48 kHz) apart on at least 99 % of the steps that are not a jump forward
 * (opusenc's first packet counts against it: 648 after it, its 312-sample
 * lookahead), with at most a jump per stall. In the first 3 s less than
 * 100 ms of audio waits to be sent on average (1-40 ms measured alone, 70
 * once with another test beside it on two cores; anchored at the running
 * time instead of 100 ms behind it, the burst of early media at the
 * session's start made it 109-121 ms). */
static void
test_timestamps_stalling_client ()
{
  Server s ("opus-complexity=2");
  PacketLog log;                /* outlives the client's probes */
  ClientPeer client ("stalls", 440);
  record_incoming_rtp (client.webrtcbin (), &log);
  ClientStalls stalls (client, 250);
  HttpReply r = client.connect (s.port ());
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_true (s.wait_started (1));
  auto steady = audio_waiting (s, 3000);
  g_test_message ("steady: audio waiting in the send appsrc %"
      G_GUINT64_FORMAT " ms on average, at most %" G_GUINT64_FORMAT " ms",
      steady.first, steady.second);
  stalls.start ();
  auto stalling = audio_waiting (s, 6000);
  g_test_message ("stalling (%d stalls): audio waiting in the send appsrc %"
      G_GUINT64_FORMAT " ms on average, at most %" G_GUINT64_FORMAT " ms",
      stalls.count (), stalling.first, stalling.second);
  std::vector<Packet> packets;
  {
    std::lock_guard < std::mutex > l (log.lock);
    packets = log.packets;
  }
  const Steps st = analyse (packets);
  const double exact_share = st.steps ? 100.0 * st.exact / (st.steps -
      st.jumps) : 0;
  g_test_message ("%zu packets, %zu steps: %zu exactly 20 ms (%.1f %% of "
      "those not jumps), %zu jumps forward, %zu shorter, %zu not increasing "
      "(%zu equal, longest run of one timestamp %zu), %zu timestamps "
      "repeated, %zu sequence gaps; steps %d..%d",
      packets.size (), st.steps, st.exact, exact_share, st.jumps, st.other,
      st.not_increasing, st.equal, st.longest_equal_run, st.duplicates,
      st.seq_gaps, st.min_step, st.max_step);
  double f = tone_of (client.received ());
  g_test_message ("heard %.0f Hz", f);

  g_assert_cmpuint (packets.size (), >, 400);
  g_assert_cmpuint (st.not_increasing, ==, 0);
  g_assert_cmpuint (st.duplicates, ==, 0);
  g_assert_cmpfloat (exact_share, >=, 99.0);
  g_assert_cmpuint (st.jumps, <=, (guint) stalls.count () + 1);
  g_assert_cmpuint (steady.first, <, 100);
  g_assert_cmpfloat (std::fabs (f - 440), <, 440 * 0.05);
  client.close ();
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webrtc/timestamps/send-clock", test_send_clock);
  g_test_add_func ("/webrtc/timestamps/send-clock-video",
      test_send_clock_video);
  g_test_add_func ("/webrtc/timestamps/send-chain-rtp", test_send_chain_rtp);
  g_test_add_func ("/webrtc/timestamps/stalling-client",
      test_timestamps_stalling_client);
  return g_test_run ();
}
