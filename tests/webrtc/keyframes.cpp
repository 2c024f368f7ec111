/* Keyframes of WebRTC video, both ways: a client's PLI/FIR makes the
 * server's encoder send one soon; the server asks a client for one when
 * its video starts and when its decoder fails, at most one request per
 * 500 ms; a decoder error harms no other session.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/videoclient.h"

#include "webrtc/keyframerequests.h"
#include "webrtc/peersettings.h"
#include "webrtc/videotrack.h"

#include <gst/check/gstharness.h>

#include <memory>

namespace {

/* A sessionbin echoing every kind (no handler). */
struct EchoServer : test::LivePipeline
{
  EchoServer () : LivePipeline ("sessionbin name=src port=0 "
      "address=127.0.0.1 ice-addresses=127.0.0.1 peer-timeout=2")
  {
    play ();
  }
};

/* A video m-line offering VP8 as payload type 96. */
OfferedMedia
vp8_media ()
{
  OfferedMedia m;
  m.media = "video";
  m.kind = sessionctx::MediaKind::video;
  OfferedCodec vp8;
  vp8.name = "VP8";
  vp8.payload_type = 96;
  vp8.clock_rate = 90000;
  m.codecs.push_back (vp8);
  return m;
}

/* The requests for a keyframe @h's src pad got from upstream of it. */
size_t
pull_keyframe_requests (GstHarness * h)
{
  size_t n = 0;
  while (GstEvent * e = gst_harness_try_pull_upstream_event (h)) {
    n += gst_video_event_is_force_key_unit (e);
    gst_event_unref (e);
  }
  return n;
}

}  // namespace

/* The gate's clock: the first request goes, the next only 500 ms after
 * the last one that went; each counted as sent or suppressed. */
static void
test_gate_interval ()
{
  KeyframeRequests k;
  const gint64 t = 7 * G_USEC_PER_SEC;
  g_assert_true (k.admit (t));
  g_assert_false (k.admit (t));
  g_assert_false (k.admit (t + KeyframeRequests::kMinIntervalUs - 1));
  g_assert_true (k.admit (t + KeyframeRequests::kMinIntervalUs));
  g_assert_false (k.admit (t + KeyframeRequests::kMinIntervalUs + 1));
  g_assert_false (k.admit (t));         /* before the last one sent */
  g_assert_true (k.admit (t + 5 * KeyframeRequests::kMinIntervalUs));
  g_assert_cmpuint (k.counters ().requests_sent, ==, 3);
  g_assert_cmpuint (k.counters ().requests_suppressed, ==, 4);
  g_assert_cmpuint (k.counters ().requests_received, ==, 0);
}

/* A VP8 receive chain with its gate, alone in a harness: ten requests
 * from its end (as its decoder makes them, through vp8dec and
 * rtpvp8depay) give one at its start; KeyframeRequests::request () on
 * its sink pad passes the same gate. */
static void
test_gate_receive_chain ()
{
  KeyframeRequests k;
  GstCaps *output = gst_caps_from_string ("video/x-raw,format=I420");
  GstElement *chain = VideoTrackFactory ().make_receive_chain (vp8_media (),
      "VP8", output);
  gst_caps_unref (output);
  g_assert_nonnull (chain);
  gst_object_ref_sink (chain);
  k.gate_receive_chain (chain);
  GstHarness *h = gst_harness_new_with_element (chain, "sink", "src");
  GstPad *chain_sink = gst_element_get_static_pad (chain, "sink");
  gst_object_unref (chain);
  for (int i = 0; i < 10; i++)
    g_assert_true (gst_harness_push_upstream_event (h,
            gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                FALSE, i)));
  g_assert_cmpuint (pull_keyframe_requests (h), ==, 1);
  g_assert_cmpuint (k.counters ().requests_sent, ==, 1);
  g_assert_cmpuint (k.counters ().requests_suppressed, ==, 9);
  KeyframeRequests::request (chain_sink);
  g_assert_cmpuint (pull_keyframe_requests (h), ==, 0);
  g_usleep (KeyframeRequests::kMinIntervalUs + 20000);
  KeyframeRequests::request (chain_sink);
  KeyframeRequests::request (chain_sink);
  g_assert_cmpuint (pull_keyframe_requests (h), ==, 1);
  g_assert_cmpuint (k.counters ().requests_sent, ==, 2);
  g_assert_cmpuint (k.counters ().requests_suppressed, ==, 11);
  gst_object_unref (chain_sink);
  gst_harness_teardown (h);
}

/* A VP8 send chain watched: each request that reaches its src pad (what
 * webrtcbin makes of a client's PLI/FIR) is counted, and reaches the
 * encoder, which makes a keyframe at most every 250 ms. */
static void
test_send_chain_counts ()
{
  KeyframeRequests k;
  PeerSettings settings;
  settings.video_bitrate = 300;
  settings.video_max_width = 320;
  settings.video_max_height = 240;
  settings.video_max_framerate = 30;
  GstElement *appsrc = nullptr;
  GstElement *chain = VideoTrackFactory ().make_send_chain (vp8_media (),
      settings, &appsrc);
  g_assert_nonnull (chain);
  gst_object_ref_sink (chain);
  k.watch_send_chain (chain);
  GstElement *encoder = nullptr;
  GstIterator *it = gst_bin_iterate_elements (GST_BIN (chain));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    auto *e = GST_ELEMENT (g_value_get_object (&v));
    if (GST_IS_VIDEO_ENCODER (e))
      encoder = GST_ELEMENT (gst_object_ref (e));
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  g_assert_nonnull (encoder);
  guint64 interval = 0;
  g_object_get (encoder, "min-force-key-unit-interval", &interval, NULL);
  g_assert_cmpuint (interval, ==, kEncoderMinKeyframeInterval);
  /* Requests arriving at the encoder, and going on above it. */
  std::atomic<int> at_encoder { 0 }, above_encoder { 0 };
  auto count = [](GstPad *, GstPadProbeInfo * info, gpointer data) {
    if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info)))
      (*static_cast<std::atomic<int> *> (data))++;
    return GST_PAD_PROBE_OK;
  };
  for (auto [name, counter] : {std::make_pair ("src", &at_encoder),
          std::make_pair ("sink", &above_encoder)}) {
    GstPad *pad = gst_element_get_static_pad (encoder, name);
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, count, counter,
        nullptr);
    gst_object_unref (pad);
  }
  GstHarness *h = gst_harness_new_with_element (chain, nullptr, "src");
  gst_object_unref (chain);
  gst_harness_play (h);
  for (guint i = 0; i < 3; i++)
    g_assert_true (gst_harness_push_upstream_event (h,
            gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                i == 1, i)));
  g_assert_cmpuint (k.counters ().requests_received, ==, 3);
  g_assert_cmpuint (k.counters ().requests_sent, ==, 0);
  g_assert_cmpint (at_encoder, ==, 3);
  g_assert_cmpint (above_encoder, ==, 0);     /* the encoder keeps them */
  gst_object_unref (encoder);
  gst_harness_teardown (h);
}

/* The answer offers the client PLI and FIR for its video (webrtcbin's own
 * rtcp-fb), and each PLI or FIR the client sends makes the server's
 * encoder send a keyframe soon: asked at least 700 ms after the last
 * keyframe, when the encoder's periodic one (every 60 frames: 4 s at the
 * client's 15 frames per second) is far; unasked, none comes then. */
static void
test_server_keyframe_on_pli ()
{
  EchoServer s;
  CameraClient c ("pli", solid_colour (0x2060c0), Codec::vp8);
  HttpReply r = c.connect (s.port ());
  g_assert_cmpuint (r.status, ==, 200);
  assert_str_eq (json_field (r.body, "type"), "answer");
  for (auto & l : sdp_lines (c.answer (), "a=rtcp-fb"))
    g_test_message ("answer: %s", l.c_str ());
  for (auto & l : sdp_lines (c.answer (), "a=rtpmap"))
    g_test_message ("answer: %s", l.c_str ());
  g_assert_true (has_line (c.answer (), "a=rtcp-fb:96 nack pli"));
  g_assert_true (has_line (c.answer (), "a=rtcp-fb:96 ccm fir"));
  g_assert_true (test::wait_for ([&] {
        return c.frames () >= 15 && !c.keyframes ().empty ();
      }, 20000));

  /* Unasked: no keyframe between 0.7 s and 1.9 s after the last one. */
  g_assert_true (test::wait_for ([&] {
        return c.since_last_keyframe () >= 700000;
      }, 10000));
  const size_t before = c.keyframes ().size ();
  test::spin (1200);
  g_test_message ("unasked: %zu keyframes in the %.0f ms after the last",
      c.keyframes ().size () - before, c.since_last_keyframe () / 1000.0);
  g_assert_cmpuint (c.keyframes ().size (), ==, before);

  /* Asked: PLI and FIR in turn, each answered within a second. */
  std::vector<double> latencies;
  for (int i = 0; i < 6; i++) {
    double ms = c.keyframe_after_request (i % 2 == 1);
    g_test_message ("%s %d: keyframe after %.1f ms", i % 2 ? "FIR" : "PLI",
        i, ms);
    g_assert_cmpfloat (ms, >=, 0);
    latencies.push_back (ms);
  }
  std::sort (latencies.begin (), latencies.end ());
  g_test_message ("keyframe after a request: median %.1f ms, max %.1f ms",
      latencies[latencies.size () / 2], latencies.back ());

  /* The session's stats count what reached the encoder (webrtcbin may
   * fold a request into another, so at least most of the six). */
  GstStructure *stats = nullptr;
  g_object_get (s.src, "stats", &stats, NULL);
  const GValue *v = gst_structure_get_value (stats, "session-0");
  g_assert_nonnull (v);
  guint64 received = 0;
  g_assert_true (gst_structure_get_uint64 (gst_value_get_structure (v),
          "video-keyframe-requests-received", &received));
  g_test_message ("stats: video-keyframe-requests-received %"
      G_GUINT64_FORMAT, received);
  g_assert_cmpuint (received, >=, 4);
  gst_structure_free (stats);
  c.stop ();
}

/* When a session's video starts, the server asks its client for a
 * keyframe (the client's own come only every 1000 frames here), so the
 * picture never waits for the client's periodic one. */
static void
test_request_on_start ()
{
  EchoServer s;
  CameraClient c ("start", solid_colour (0xc02020), Codec::vp8, 1000);
  g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (1));
  gint64 started = g_get_monotonic_time ();
  bool asked = test::wait_for ([&] {
        return !c.requests ().empty ();
      }, 5000);
  test::spin (1000);
  auto requests = c.requests ();
  for (gint64 t : requests)
    g_test_message ("request %+.1f ms from the session's start",
        (t - started) / 1000.0);
  g_assert_true (asked);
  /* The receive chain's start and the session's start are one moment:
   * one request (the gate sends no second within 500 ms). */
  g_assert_cmpuint (requests.size (), <=, 2);
  g_assert_true (test::wait_for ([&] {
        return c.frames () >= 10;
      }, 10000));
  c.stop ();
}

/* A client whose encoded frames arrive corrupt: the server's decoder
 * fails on them (a warning only) and asks that client for a keyframe, at
 * most one request per 500 ms while they keep coming; its picture comes
 * back once they stop. Another session meanwhile gets its own picture
 * without a pause and no request. */
static void
test_decoder_error ()
{
  EchoServer s;
  const std::array<int, 3> red = { 220, 30, 30 }, blue = { 30, 30, 220 };
  CameraClient a ("broken", solid_colour (0xdc1e1e), Codec::vp8, 1000);
  CameraClient b ("fine", solid_colour (0x1e1edc), Codec::vp8, 1000);
  g_assert_cmpuint (a.connect (s.port ()).status, ==, 200);
  g_assert_cmpuint (b.connect (s.port ()).status, ==, 200);
  g_assert_true (test::wait_for ([&] {
        return a.frames () >= 15 && b.frames () >= 15;
      }, 20000));
  test::spin (1000);
  const size_t a_asked = a.requests ().size (), b_asked = b.requests ().size ();

  /* One corrupt frame: a request. */
  a.corrupt_next (1);
  bool asked = test::wait_for ([&] {
        return a.requests ().size () > a_asked;
      }, 5000);
  g_test_message ("%d corrupt frame: %zu request(s)", a.corrupted (),
      a.requests ().size () - a_asked);
  g_assert_cmpint (a.corrupted (), ==, 1);
  g_assert_true (asked);

  /* Three seconds of corrupt frames (every delta frame; the keyframes it
   * is asked for get through). */
  test::spin (1000);
  const size_t b_frames = b.frames ();
  const size_t before = a.requests ().size ();
  a.corrupt_next (45);
  gint64 from = g_get_monotonic_time ();
  g_assert_true (test::wait_for ([&] {
        return a.corrupted () >= 46;
      }, 15000));
  test::spin (500);
  const double seconds = (g_get_monotonic_time () - from) / 1e6;
  const size_t burst = a.requests ().size () - before;
  g_test_message ("%d corrupt frames, %.2f s: %zu requests, %zu frames of "
      "the other session meanwhile", a.corrupted () - 1, seconds, burst,
      b.frames () - b_frames);
  /* At most one per 500 ms, and the first at once (webrtcbin's RTCP
   * timing merges some more: tests/webrtc/keyframes.cpp's gate cases
   * count what the gate lets through). */
  g_assert_cmpuint (burst, >=, 1);
  g_assert_cmpfloat (burst, <=, seconds / 0.5 + 1);

  /* The broken client's picture comes back. */
  const size_t a_frames = a.frames ();
  g_assert_true (test::wait_for ([&] {
        return a.frames () >= a_frames + 15;
      }, 10000));
  auto a_centre = a.last_picture ().at (0.5, 0.5);
  g_test_message ("broken: centre %d,%d,%d after", a_centre[0], a_centre[1],
      a_centre[2]);
  g_assert_cmpfloat (rgb_distance (a_centre, red), <, 60);

  /* The other session: frames all along, its colour, never asked. */
  auto b_centre = b.last_picture ().at (0.5, 0.5);
  g_assert_cmpfloat (b.frames () - b_frames, >=, 15 * seconds / 2);
  g_assert_cmpfloat (rgb_distance (b_centre, blue), <, 60);
  g_assert_cmpuint (b.requests ().size (), ==, b_asked);
  g_assert_cmpuint (s.bus->count_elements ("session-ended"), ==, 0);
  g_assert_cmpuint (s.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
  a.stop ();
  b.stop ();
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/keyframes/gate-interval", test_gate_interval);
  g_test_add_func ("/keyframes/gate-receive-chain", test_gate_receive_chain);
  g_test_add_func ("/keyframes/send-chain-counts", test_send_chain_counts);
  g_test_add_func ("/keyframes/server-on-pli", test_server_keyframe_on_pli);
  g_test_add_func ("/keyframes/request-on-start", test_request_on_start);
  g_test_add_func ("/keyframes/decoder-error", test_decoder_error);
  return g_test_run ();
}
