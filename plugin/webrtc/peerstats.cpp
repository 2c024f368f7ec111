/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webrtc/peerstats.h"

#include <gst/webrtc/webrtc.h>

namespace {

bool
field_as (const GstStructure * st, const char *name, GType type, GValue * out)
{
  const GValue *v = gst_structure_get_value (st, name);
  if (!v)
    return false;
  g_value_init (out, type);
  if (g_value_transform (v, out))
    return true;
  g_value_unset (out);
  return false;
}

void
on_peer_stats (GstPromise * promise, gpointer data)
{
  auto & session = *static_cast<std::shared_ptr<sessionctx::Session> *>
      (data);
  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return;
  if (const GstStructure *reply = gst_promise_get_reply (promise)) {
    peer_stats_read (reply, session->peer_figures);
  }
}

}  // namespace

void
peer_stats_read (const GstStructure * reply,
    sessionctx::Session::PeerFigures & figures)
{
  gst_structure_foreach (reply, [](GQuark, const GValue * v,
          gpointer data)->gboolean {
        auto & f = *static_cast<sessionctx::Session::PeerFigures *> (data);
        if (!GST_VALUE_HOLDS_STRUCTURE (v))
          return TRUE;
        const GstStructure *st = gst_value_get_structure (v);
        GstWebRTCStatsType type;
        if (!gst_structure_get_enum (st, "type", GST_TYPE_WEBRTC_STATS_TYPE,
                (gint *) & type))
          return TRUE;
        GValue x = G_VALUE_INIT;
        if (type == GST_WEBRTC_STATS_INBOUND_RTP) {
          /* What we receive from the client. */
          if (field_as (st, "jitter", G_TYPE_DOUBLE, &x)) {
            f.jitter_s.store (g_value_get_double (&x));
            g_value_unset (&x);
          }
          /* Cumulative, as RFC 3550 counts it (duplicates make it
           * negative: shown as 0). webrtcbin 1.22 leaves it out of
           * inbound-rtp when negative; rtpbin's source stats have it. */
          const GstStructure *source = nullptr;
          const GValue *sv = gst_structure_get_value (st,
              "gst-rtpsource-stats");
          if (sv && GST_VALUE_HOLDS_STRUCTURE (sv))
            source = gst_value_get_structure (sv);
          if (field_as (st, "packets-lost", G_TYPE_INT64, &x) ||
              (source && field_as (source, "packets-lost", G_TYPE_INT64,
                      &x))) {
            f.packets_lost.store (MAX (g_value_get_int64 (&x), (gint64) 0));
            g_value_unset (&x);
          }
        } else if (type == GST_WEBRTC_STATS_REMOTE_INBOUND_RTP) {
          /* The client's receiver reports on what we send: the round
           * trip. */
          if (field_as (st, "round-trip-time", G_TYPE_DOUBLE, &x)) {
            f.round_trip_s.store (g_value_get_double (&x));
            g_value_unset (&x);
          }
        }
        return TRUE;
      }, &figures);
}

void
peer_stats_maybe_fetch (GstElement * webrtc,
    const std::shared_ptr<sessionctx::Session> & session,
    std::atomic<gint64> & last_us)
{
  const gint64 now = g_get_monotonic_time ();
  gint64 last = last_us.load (std::memory_order_relaxed);
  if (now - last < kPeerStatsIntervalUs ||
      !last_us.compare_exchange_strong (last, now))
    return;
  GstPromise *p = gst_promise_new_with_change_func (on_peer_stats,
      new std::shared_ptr<sessionctx::Session> (session), [](gpointer d) {
        delete static_cast<std::shared_ptr<sessionctx::Session> *> (d);
      });
  g_signal_emit_by_name (webrtc, "get-stats", NULL, p);
  gst_promise_unref (p);
}
