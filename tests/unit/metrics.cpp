/* Unit tests: the Prometheus text of /metrics.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common/wait.h"
#include "core/metrics.h"

#include <gst/gst.h>

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

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/text", test_metrics_text);
  return g_test_run ();
}
