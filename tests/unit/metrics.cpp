/* Unit tests: the Prometheus text of /metrics.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common/wait.h"
#include "core/metrics.h"
#include "core/videocounters.h"

#include <gst/gst.h>

#include <cmath>
#include <string>

using namespace sessionctx;

/* The Prometheus text: label escaping, cumulative histogram buckets, the
 * error-code series, ends by reason, the gauge back to 0. */
static void
test_metrics_text ()
{
  using sessionctx::Metrics;
  assert_str_eq (sessionctx::prometheus_escape_label ("a\"b\\c\nd"),
      "a\\\"b\\\\c\\nd");
  Metrics m;
  m.websocket_handshake.observe (0.0003);
  m.websocket_handshake.observe (0.002);
  m.websocket_handshake.observe (30);
  m.protocol_error ("invalid_json");
  m.protocol_error ("invalid_json");
  m.session_started (GST_SESSION_TRANSPORT_WEBSOCKET,
      GST_SESSION_DIALECT_TWILIO);
  m.frame_received (160);
  m.frame_sent (160);
  m.frames_dropped (3);
  std::string text = m.render ();
  auto has = [&](const char *line) {
    return text.find (std::string ("\n") + line + "\n") != std::string::npos;
  };
  g_assert_true (has ("sessionctx_websocket_handshake_seconds_bucket"
          "{le=\"0.0005\"} 1"));
  g_assert_true (has ("sessionctx_websocket_handshake_seconds_bucket"
          "{le=\"0.0025\"} 2"));
  g_assert_true (has ("sessionctx_websocket_handshake_seconds_bucket"
          "{le=\"2.5\"} 2"));
  g_assert_true (has ("sessionctx_websocket_handshake_seconds_bucket"
          "{le=\"+Inf\"} 3"));
  g_assert_true (has ("sessionctx_websocket_handshake_seconds_count 3"));
  g_assert_true (has ("sessionctx_protocol_errors_total"
          "{code=\"invalid_json\"} 2"));
  g_assert_true (has ("sessionctx_sessions{transport=\"websocket\","
          "dialect=\"twilio\"} 1"));
  g_assert_true (has ("sessionctx_frames_dropped_total 3"));
  g_assert_true (has ("# TYPE sessionctx_webrtc_setup_seconds histogram"));
  m.session_ended (GST_SESSION_TRANSPORT_WEBSOCKET,
      GST_SESSION_DIALECT_TWILIO, GST_SESSION_END_REASON_IDLE, true);
  text = m.render ();
  g_assert_true (has ("sessionctx_sessions{transport=\"websocket\","
          "dialect=\"twilio\"} 0"));
  g_assert_true (has ("sessionctx_sessions_ended_total{reason=\"idle\"} 1"));
  Metrics::Totals t = m.totals ();
  g_assert_cmpuint (t.frames_received, ==, 1);
  g_assert_cmpuint (t.bytes_sent, ==, 160);
  g_assert_cmpuint (t.protocol_errors, ==, 2);
  g_assert_cmpuint (t.sessions_ended, ==, 1);
  g_assert_true (text.back () == '\n');
}

/* A session's video counters add to the server's; /metrics has one series
 * each (dropped by reason); the RTP bytes of get-stats readings add what
 * is new, the bitrate is over the time between two readings, a total that
 * went back adds nothing. */
static void
test_metrics_video ()
{
  Metrics m;
  std::string text = m.render ();
  auto has = [&](const char *line) {
    return text.find (std::string ("\n") + line + "\n") != std::string::npos;
  };
  g_assert_true (has ("sessionctx_video_frames_received_total 0"));
  g_assert_true (has ("sessionctx_video_frames_dropped_total"
          "{reason=\"send_queue\"} 0"));
  g_assert_true (has ("# TYPE sessionctx_video_rtp_bytes_sent_total counter"));
  {
    VideoCounters a (m), b (m);
    a.frame_received ();
    a.frame_received ();
    b.frame_received ();
    a.frame_sent ();
    a.frame_dropped (VideoDrop::framerate);
    b.frame_dropped (VideoDrop::framerate);
    b.frame_dropped (VideoDrop::send_queue);
    a.keyframe_request_received ();
    b.keyframe_request_sent ();
    VideoCounters::Snapshot v = a.snapshot ();
    g_assert_cmpuint (v.frames_in, ==, 2);
    g_assert_cmpuint (v.frames_out, ==, 1);
    g_assert_cmpuint (v.dropped[(int) VideoDrop::framerate], ==, 1);
    g_assert_cmpuint (v.dropped[(int) VideoDrop::send_queue], ==, 0);
    g_assert_cmpuint (v.keyframe_requests_received, ==, 1);
    g_assert_cmpuint (v.keyframe_requests_sent, ==, 0);
    g_assert_cmpfloat (v.bitrate_in, <, 0);     /* no reading yet */

    a.rtp_bytes (1000, 500, 10000.0);
    v = a.snapshot ();
    g_assert_cmpuint (v.rtp_bytes_in, ==, 1000);
    g_assert_cmpuint (v.rtp_bytes_out, ==, 500);
    g_assert_cmpfloat (v.bitrate_in, <, 0);     /* one reading: no rate */
    a.rtp_bytes (126000, 63000, 10500.0);       /* 125000 B, 62500 B in 0.5 s */
    v = a.snapshot ();
    g_assert_cmpuint (v.rtp_bytes_in, ==, 126000);
    g_assert_cmpfloat (std::fabs (v.bitrate_in - 2e6), <, 1e-6);
    g_assert_cmpfloat (std::fabs (v.bitrate_out - 1e6), <, 1e-6);
    a.rtp_bytes (100, 63000, 11500.0);  /* a stream gone: nothing added */
    v = a.snapshot ();
    g_assert_cmpuint (v.rtp_bytes_in, ==, 126000);
    g_assert_cmpfloat (v.bitrate_in, ==, 0);
    a.rtp_bytes (1100, 63000, 12500.0); /* counted from the new total on */
    v = a.snapshot ();
    g_assert_cmpuint (v.rtp_bytes_in, ==, 127000);
    g_assert_cmpfloat (std::fabs (v.bitrate_in - 8000), <, 1e-6);
    b.rtp_bytes (7, 9, 1.0);
  }
  /* The sessions are gone; the server's totals stay. */
  text = m.render ();
  g_assert_true (has ("sessionctx_video_frames_received_total 3"));
  g_assert_true (has ("sessionctx_video_frames_sent_total 1"));
  g_assert_true (has ("sessionctx_video_frames_dropped_total"
          "{reason=\"framerate\"} 2"));
  g_assert_true (has ("sessionctx_video_frames_dropped_total"
          "{reason=\"send_queue\"} 1"));
  g_assert_true (has ("sessionctx_video_keyframe_requests_received_total 1"));
  g_assert_true (has ("sessionctx_video_keyframe_requests_sent_total 1"));
  g_assert_true (has ("sessionctx_video_rtp_bytes_received_total 127007"));
  g_assert_true (has ("sessionctx_video_rtp_bytes_sent_total 63009"));
  Metrics::Totals t = m.totals ();
  g_assert_cmpuint (t.video_frames_received, ==, 3);
  g_assert_cmpuint (t.video_rtp_bytes_sent, ==, 63009);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/text", test_metrics_text);
  g_test_add_func ("/metrics/video", test_metrics_video);
  return g_test_run ();
}
