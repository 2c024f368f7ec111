/* WebRTC transport: a peer in `stats` and in /metrics, its audio, and its
 * video both ways through sessionbin's echo.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/fixture.h"
#include "webrtc/peerstats.h"

#include <gst/app/gstappsrc.h>

#include <atomic>

/* GET @path on the server's port: the body ("" unless 200). */
static std::string
http_get_body (guint port, const char *path)
{
  SoupSession *session = soup_session_new ();
  std::string url = "http://127.0.0.1:" + std::to_string (port) + path;
  SoupMessage *msg = soup_message_new ("GET", url.c_str ());
  GBytes *resp = soup_session_send_and_read (session, msg, nullptr, nullptr);
  std::string body;
  if (resp && soup_message_get_status (msg) == 200) {
    gsize len;
    const char *d = (const char *) g_bytes_get_data (resp, &len);
    body.assign (d ? d : "", len);
  }
  if (resp)
    g_bytes_unref (resp);
  g_object_unref (msg);
  g_object_unref (session);
  return body;
}

/* The value of the sample line starting with @sample in /metrics text,
 * -1 when absent. */
static double
metric_value (const std::string & text, const std::string & sample)
{
  gchar **lines = g_strsplit (text.c_str (), "\n", -1);
  double value = -1;
  for (gchar ** it = lines; *it; it++)
    if (g_str_has_prefix (*it, (sample + " ").c_str ()))
      value = g_ascii_strtod (*it + sample.size () + 1, nullptr);
  g_strfreev (lines);
  return value;
}

/* A WebRTC session in `stats` (transport, counters both ways, round trip,
 * jitter and packets lost from webrtcbin) and in /metrics (the gauge,
 * the setup histogram); the gauge back to 0 after hang-up. */
static void
test_stats_and_metrics ()
{
  Server s;
  ClientPeer c ("stats-peer", 440);
  g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (1));
  GstStructure *one = nullptr;
  auto figures_known = [&] {
    GstStructure *stats = nullptr;
    g_object_get (s.src, "stats", &stats, NULL);
    const GValue *v = gst_structure_get_value (stats, "session-0");
    g_clear_pointer (&one, gst_structure_free);
    if (v)
      one = gst_structure_copy (gst_value_get_structure (v));
    gst_structure_free (stats);
    guint64 in = 0, out = 0;
    return one && gst_structure_get_uint64 (one, "frames-received", &in) &&
        in > 0 && gst_structure_get_uint64 (one, "frames-sent", &out) &&
        out > 0 && gst_structure_has_field (one, "round-trip") &&
        gst_structure_has_field (one, "jitter") &&
        gst_structure_has_field (one, "packets-lost");
  };
  gboolean known = test::wait_for (figures_known, 20000);
  gchar *text = one ? gst_structure_to_string (one) : g_strdup ("(none)");
  g_test_message ("stats: %s", text);
  g_free (text);
  g_assert_true (known);
  g_assert_cmpstr (gst_structure_get_string (one, "id"), ==, "stats-peer");
  g_assert_cmpstr (gst_structure_get_string (one, "transport"), ==, "webrtc");
  gboolean started = FALSE;
  g_assert_true (gst_structure_get_boolean (one, "started", &started));
  g_assert_true (started);
  g_assert_true (g_str_has_prefix (gst_structure_get_string (one,
              "remote-address"), "127.0.0.1:"));
  double rtt = -1, jitter = -1;
  g_assert_true (gst_structure_get_double (one, "round-trip", &rtt));
  g_assert_true (gst_structure_get_double (one, "jitter", &jitter));
  g_assert_cmpfloat (rtt, >=, 0);
  g_assert_cmpfloat (rtt, <, 1);        /* loopback */
  g_assert_cmpfloat (jitter, >=, 0);
  /* Audio only: no video fields. */
  g_assert_false (gst_structure_has_field (one, "video-frames-received"));
  g_assert_false (gst_structure_has_field (one, "video-bitrate-sent"));
  gst_structure_free (one);

  std::string metrics = http_get_body (s.port (), "/metrics");
  g_assert_cmpfloat (metric_value (metrics, "sessionctx_sessions{transport="
          "\"webrtc\",dialect=\"fastrtc\"}"), ==, 1);
  g_assert_cmpfloat (metric_value (metrics,
          "sessionctx_webrtc_setup_seconds_count"), ==, 1);
  g_assert_cmpfloat (metric_value (metrics,
          "sessionctx_frames_received_total"), >, 0);
  g_assert_cmpfloat (metric_value (metrics,
          "sessionctx_video_frames_received_total"), ==, 0);
  g_assert_cmpfloat (metric_value (metrics,
          "sessionctx_video_rtp_bytes_sent_total"), ==, 0);
  c.close ();
  g_assert_true (test::wait_for ([&] {
        return metric_value (http_get_body (s.port (), "/metrics"),
            "sessionctx_sessions{transport=\"webrtc\",dialect=\"fastrtc\"}")
            == 0;
      }, 15000));
}

namespace {

/* A camera-only WebRTC client: SMPTE bars at @fps, 160x120, in VP8. It
 * counts the frames it encodes and the frames that come back, decoded. */
class VideoPeer
{
public:
  VideoPeer (std::string id, int fps) : id_ (std::move (id))
  {
    std::string desc = "videotestsrc is-live=true pattern=smpte ! "
        "video/x-raw,width=160,height=120,framerate=" + std::to_string (fps) +
        "/1 ! videoconvert ! vp8enc name=enc deadline=1 cpu-used=8 "
        "keyframe-max-dist=30 ! rtpvp8pay pt=96 ! application/x-rtp,"
        "media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! "
        "webrtcbin name=w bundle-policy=max-bundle";
    GError *err = nullptr;
    pipe_ = gst_parse_launch (desc.c_str (), &err);
    g_assert_no_error (err);
    webrtc_ = gst_bin_get_by_name (GST_BIN (pipe_), "w");
    test::ice_on_loopback_only (webrtc_);
    GstElement *enc = gst_bin_get_by_name (GST_BIN (pipe_), "enc");
    GstPad *pad = gst_element_get_static_pad (enc, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count, &sent_,
        nullptr);
    gst_object_unref (pad);
    gst_object_unref (enc);
    g_signal_connect (webrtc_, "pad-added", G_CALLBACK (on_pad), this);
    gst_element_set_state (pipe_, GST_STATE_PLAYING);
  }
  ~VideoPeer ()
  {
    stop ();
    gst_object_unref (webrtc_);
    gst_object_unref (pipe_);
  }
  HttpReply connect (guint port)
  {
    std::string offer = test::make_offer (webrtc_);
    g_assert_false (offer.empty ());
    HttpReply r = post (port, test::offer_body (offer, id_));
    if (r.status == 200 && json_field (r.body, "type") == "answer")
      g_assert_true (test::set_answer (webrtc_, json_field (r.body, "sdp")));
    return r;
  }
  void stop ()
  {
    {
      std::lock_guard < std::mutex > l (lock_);
      stopped_ = true;
    }
    test::stop_client (pipe_);
  }
  /* Frames encoded and sent; frames that came back, decoded. */
  guint64 sent () const { return sent_.load (); }
  guint64 back () const { return back_.load (); }

private:
  static GstPadProbeReturn count (GstPad *, GstPadProbeInfo *, gpointer n)
  {
    static_cast<std::atomic<guint64> *> (n)->fetch_add (1);
    return GST_PAD_PROBE_OK;
  }
  static void on_pad (GstElement *, GstPad * pad, VideoPeer * self)
  {
    if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
      return;
    std::lock_guard < std::mutex > l (self->lock_);
    if (self->stopped_)
      return;
    test::link_decoder (self->pipe_, pad, "rtpvp8depay ! vp8dec ! "
        "fakesink name=out sync=false async=false", count, &self->back_);
  }

  std::string id_;
  GstElement *pipe_ = nullptr;
  GstElement *webrtc_ = nullptr;
  std::mutex lock_;
  bool stopped_ = false;
  std::atomic<guint64> sent_ { 0 }, back_ { 0 };
};

/* A copy of the `session` structure of @id in @element's stats, or NULL. */
GstStructure *
session_stats (GstElement * element, const char *id)
{
  GstStructure *stats = nullptr;
  g_object_get (element, "stats", &stats, NULL);
  GstStructure *found = nullptr;
  guint n = 0;
  gst_structure_get_uint (stats, "sessions", &n);
  for (guint i = 0; i < n && !found; i++) {
    gchar *name = g_strdup_printf ("session-%u", i);
    const GValue *v = gst_structure_get_value (stats, name);
    g_free (name);
    const GstStructure *one = v ? gst_value_get_structure (v) : nullptr;
    if (one && g_strcmp0 (gst_structure_get_string (one, "id"), id) == 0)
      found = gst_structure_copy (one);
  }
  gst_structure_free (stats);
  return found;
}

guint64
u64 (const GstStructure * st, const char *field)
{
  guint64 v = 0;
  g_assert_true (gst_structure_get_uint64 (st, field, &v));
  return v;
}

/* The video counters of a session and its client at one moment. */
struct VideoReading
{
  gint64 at_us;
  guint64 sent, back;           /* the client's */
  guint64 in, out, dropped_rate, dropped_queue;
};

VideoReading
read_video (GstElement * element, const char *id, const VideoPeer & c)
{
  VideoReading r;
  r.sent = c.sent ();
  r.back = c.back ();
  r.at_us = g_get_monotonic_time ();
  GstStructure *st = session_stats (element, id);
  g_assert_nonnull (st);
  r.in = u64 (st, "video-frames-received");
  r.out = u64 (st, "video-frames-sent");
  r.dropped_rate = u64 (st, "video-frames-dropped-framerate");
  r.dropped_queue = u64 (st, "video-frames-dropped-queue");
  gst_structure_free (st);
  return r;
}

/* What happened between @a and @b, per second, in the test's log. */
struct VideoRates
{
  double seconds, sent, back, in, out, dropped_rate, dropped_queue;
};

VideoRates
rates (const VideoReading & a, const VideoReading & b)
{
  VideoRates r;
  r.seconds = (b.at_us - a.at_us) / 1e6;
  r.sent = (b.sent - a.sent) / r.seconds;
  r.back = (b.back - a.back) / r.seconds;
  r.in = (b.in - a.in) / r.seconds;
  r.out = (b.out - a.out) / r.seconds;
  r.dropped_rate = (b.dropped_rate - a.dropped_rate) / r.seconds;
  r.dropped_queue = (b.dropped_queue - a.dropped_queue) / r.seconds;
  g_test_message ("over %.2f s, frames/s: client sent %.1f, got back %.1f; "
      "session in %.1f, out %.1f, dropped framerate %.1f, queue %.1f",
      r.seconds, r.sent, r.back, r.in, r.out, r.dropped_rate,
      r.dropped_queue);
  return r;
}

/* A video client of sessionbin (an echo without a handler) sending 30
 * frames a second, and once it runs, what sessionbin's stats say of it
 * over 3 s. */
struct VideoEcho
{
  test::LivePipeline s;
  VideoPeer c;
  VideoReading a, b;
  VideoRates r;

  VideoEcho (const char *id, const std::string & props)
  :  s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 peer-timeout=2 " + props), c (id, 30)
  {
    s.play ();
    g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
    g_assert_true (s.wait_started (1, 15000));
    /* Warm: frames both ways and both bitrates known. */
    gboolean warm = test::wait_for ([&] {
          GstStructure *st = session_stats (s.src, id);
          guint64 in = 0, out = 0;
          bool ok = st && gst_structure_get_uint64 (st,
              "video-frames-received", &in) && in >= 30 &&
              gst_structure_get_uint64 (st, "video-frames-sent", &out) &&
              out > 0 && gst_structure_has_field (st, "video-bitrate-sent") &&
              c.back () > 0;
          if (st)
            gst_structure_free (st);
          return ok;
        }, 20000);
    g_test_message ("warm: %d (client sent %" G_GUINT64_FORMAT ", got back %"
        G_GUINT64_FORMAT ")", warm, c.sent (), c.back ());
    g_assert_true (warm);
    a = read_video (s.src, id, c);
    g_usleep (3 * G_USEC_PER_SEC);
    b = read_video (s.src, id, c);
    r = rates (a, b);
  }
};

}  // namespace

/* Video both ways through sessionbin's echo: frames in grow as the client
 * sends them, frames out as they come back, each frame in is sent or
 * dropped; the bitrates both ways and the RTP bytes are known and sane;
 * the server asked the client for a keyframe when its video started (at
 * least one request sent); /metrics has the video series, at least what
 * the session counted. */
static void
test_video_counters ()
{
  VideoEcho e ("video-stats", "");
  const VideoRates & r = e.r;
  /* The client sends about 30 a second (fewer on a loaded machine): the
   * session receives what it sends. */
  g_assert_cmpfloat (r.sent, >, 10);
  g_assert_cmpfloat (r.in, >=, r.sent * 0.6);
  g_assert_cmpfloat (r.in, <=, r.sent * 1.25 + 2);
  /* Every frame in is sent back or counted as dropped (sessionbin's own
   * video queue may drop a few under load, uncounted here). */
  g_assert_cmpfloat (r.out + r.dropped_rate + r.dropped_queue, >=, r.in * 0.6);
  g_assert_cmpfloat (r.out + r.dropped_rate + r.dropped_queue, <=,
      r.in * 1.1 + 2);
  g_assert_cmpfloat (r.out, >, 0);
  /* What the session sends, the client gets back and decodes. */
  g_assert_cmpfloat (r.back, >=, r.out * 0.6);
  g_assert_cmpfloat (r.back, <=, r.out * 1.25 + 2);

  GstStructure *st = session_stats (e.s.src, "video-stats");
  g_assert_nonnull (st);
  gchar *text = gst_structure_to_string (st);
  g_test_message ("stats: %s", text);
  g_free (text);
  double in_bps = -1, out_bps = -1;
  g_assert_true (gst_structure_get_double (st, "video-bitrate-received",
          &in_bps));
  g_assert_true (gst_structure_get_double (st, "video-bitrate-sent",
          &out_bps));
  /* 160x120 SMPTE bars in VP8 both ways: some kbit/s, far from 10 Mbit/s. */
  g_assert_cmpfloat (in_bps, >, 1000);
  g_assert_cmpfloat (in_bps, <, 10e6);
  g_assert_cmpfloat (out_bps, >, 1000);
  g_assert_cmpfloat (out_bps, <, 10e6);
  const guint64 bytes_in = u64 (st, "video-bytes-received");
  const guint64 bytes_out = u64 (st, "video-bytes-sent");
  g_assert_cmpuint (bytes_in, >, 0);
  g_assert_cmpuint (bytes_out, >, 0);
  const guint64 kf_in = u64 (st, "video-keyframe-requests-received");
  const guint64 kf_out = u64 (st, "video-keyframe-requests-sent");
  g_assert_cmpuint (kf_out, >=, 1);
  /* Video only: the audio fields stay at 0. */
  g_assert_cmpuint (u64 (st, "frames-received"), ==, 0);
  const guint64 in = u64 (st, "video-frames-received");
  const guint64 out = u64 (st, "video-frames-sent");
  const guint64 dropped = u64 (st, "video-frames-dropped-framerate");
  gst_structure_free (st);

  std::string m = http_get_body (e.s.port (), "/metrics");
  g_assert_cmpfloat (metric_value (m, "sessionctx_video_frames_received_total"),
      >=, in);
  g_assert_cmpfloat (metric_value (m, "sessionctx_video_frames_sent_total"),
      >=, out);
  g_assert_cmpfloat (metric_value (m, "sessionctx_video_frames_dropped_total"
          "{reason=\"framerate\"}"), >=, dropped);
  g_assert_cmpfloat (metric_value (m, "sessionctx_video_frames_dropped_total"
          "{reason=\"send_queue\"}"), >=, 0);
  g_assert_cmpfloat (metric_value (m,
          "sessionctx_video_rtp_bytes_received_total"), >=, bytes_in);
  g_assert_cmpfloat (metric_value (m, "sessionctx_video_rtp_bytes_sent_total"),
      >=, bytes_out);
  g_assert_cmpfloat (metric_value (m,
          "sessionctx_video_keyframe_requests_received_total"), >=, kf_in);
  g_assert_cmpfloat (metric_value (m,
          "sessionctx_video_keyframe_requests_sent_total"), >=, kf_out);
  g_assert_true (m.find ("# TYPE sessionctx_video_frames_dropped_total "
          "counter\n") != std::string::npos);
  e.c.stop ();
}

/* video-max-framerate=5 while the client sends 30 a second: about 5 go
 * back a second, the rest are counted as dropped for the framerate. */
static void
test_video_framerate_drops ()
{
  VideoEcho e ("video-drops", "video-max-framerate=5");
  const VideoRates & r = e.r;
  g_assert_cmpfloat (r.sent, >, 10);
  g_assert_cmpfloat (r.in, >=, r.sent * 0.6);
  /* One frame per 200 ms at most (198 allowed), on frames 33 ms apart. */
  g_assert_cmpfloat (r.out, >=, 2.5);
  g_assert_cmpfloat (r.out, <=, 6);
  g_assert_cmpfloat (r.dropped_rate, >=, 3 * r.out);
  g_assert_cmpfloat (r.out + r.dropped_rate + r.dropped_queue, >=, r.in * 0.6);
  g_assert_cmpfloat (r.out + r.dropped_rate + r.dropped_queue, <=,
      r.in * 1.1 + 2);
  /* The client gets about 5 a second back, not what it sent. */
  g_assert_cmpfloat (r.back, >=, r.out * 0.6);
  g_assert_cmpfloat (r.back, <=, r.out * 1.25 + 2);
  std::string m = http_get_body (e.s.port (), "/metrics");
  g_assert_cmpfloat (metric_value (m, "sessionctx_video_frames_dropped_total"
          "{reason=\"framerate\"}"), >=, e.b.dropped_rate);
  e.c.stop ();
}

/* The send queue's counts (peer_stats_count_video_send) on an appsrc set
 * as the video send chain sets it (3 frames, leaky downstream), before a
 * consumer slower than what is pushed: every frame pushed left the queue
 * or was counted as dropped, in the session's counters and the
 * server's. */
static void
test_video_send_queue ()
{
  sessionctx::Metrics metrics;
  sessionctx::VideoCounters counters (metrics);
  GError *err = nullptr;
  GstElement *pipe = gst_parse_launch ("appsrc name=a format=time "
      "is-live=true do-timestamp=true max-buffers=3 leaky-type=downstream ! "
      "identity sleep-time=50000 ! fakesink sync=false async=false", &err);
  g_assert_no_error (err);
  GstElement *appsrc = gst_bin_get_by_name (GST_BIN (pipe), "a");
  peer_stats_count_video_send (appsrc, nullptr, counters);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format=I420,"
      "width=160,height=120,framerate=0/1");
  const int kFrames = 60;
  int pushed = 0;
  for (int i = 0; i < kFrames; i++) {
    GstBuffer *frame = gst_buffer_new_allocate (nullptr, 160 * 120 * 3 / 2,
        nullptr);
    GstSample *sample = gst_sample_new (frame, caps, nullptr, nullptr);
    gst_buffer_unref (frame);
    pushed += gst_app_src_push_sample (GST_APP_SRC (appsrc), sample) ==
        GST_FLOW_OK;
    gst_sample_unref (sample);
    g_usleep (2000);
  }
  gst_caps_unref (caps);
  g_assert_true (test::wait_for ([&] {
        return gst_app_src_get_current_level_buffers (GST_APP_SRC (appsrc))
            == 0;
      }, 10000));
  /* The last frame taken may still be on its way through identity. */
  g_usleep (200000);
  sessionctx::VideoCounters::Snapshot v = counters.snapshot ();
  const guint64 dropped = v.dropped[(int) sessionctx::VideoDrop::send_queue];
  g_test_message ("%d pushed: %" G_GUINT64_FORMAT " out, %" G_GUINT64_FORMAT
      " dropped", pushed, v.frames_out, dropped);
  g_assert_cmpint (pushed, ==, kFrames);
  g_assert_cmpuint (v.frames_out + dropped, ==, kFrames);
  g_assert_cmpuint (dropped, >, 0);
  g_assert_cmpuint (v.frames_out, >, 0);
  g_assert_cmpuint (v.dropped[(int) sessionctx::VideoDrop::framerate], ==, 0);
  sessionctx::Metrics::Totals t = metrics.totals ();
  g_assert_cmpuint (t.video_frames_sent, ==, v.frames_out);
  g_assert_cmpuint (t.video_dropped[(int) sessionctx::VideoDrop::send_queue],
      ==, dropped);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (appsrc);
  gst_object_unref (pipe);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webrtc/stats-and-metrics", test_stats_and_metrics);
  g_test_add_func ("/webrtc/video-counters", test_video_counters);
  g_test_add_func ("/webrtc/video-framerate-drops",
      test_video_framerate_drops);
  g_test_add_func ("/webrtc/video-send-queue", test_video_send_queue);
  return g_test_run ();
}
