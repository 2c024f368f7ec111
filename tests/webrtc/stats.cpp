/* WebRTC transport: a peer in `stats` and in /metrics.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/fixture.h"

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
  gst_structure_free (one);

  std::string metrics = http_get_body (s.port (), "/metrics");
  g_assert_cmpfloat (metric_value (metrics, "sessionctx_sessions{transport="
          "\"webrtc\",dialect=\"fastrtc\"}"), ==, 1);
  g_assert_cmpfloat (metric_value (metrics,
          "sessionctx_webrtc_setup_seconds_count"), ==, 1);
  g_assert_cmpfloat (metric_value (metrics,
          "sessionctx_frames_received_total"), >, 0);
  c.close ();
  g_assert_true (test::wait_for ([&] {
        return metric_value (http_get_body (s.port (), "/metrics"),
            "sessionctx_sessions{transport=\"webrtc\",dialect=\"fastrtc\"}")
            == 0;
      }, 15000));
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webrtc/stats-and-metrics", test_stats_and_metrics);
  return g_test_run ();
}
