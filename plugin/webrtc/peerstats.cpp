/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webrtc/peerstats.h"

#include <gst/app/gstappsrc.h>
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

guint64
field_u64 (const GstStructure * st, const char *name)
{
  GValue x = G_VALUE_INIT;
  if (!field_as (st, name, G_TYPE_UINT64, &x))
    return 0;
  guint64 v = g_value_get_uint64 (&x);
  g_value_unset (&x);
  return v;
}

/* An inbound-rtp entry: the stream the client sends. */
void
read_inbound (const GstStructure * st, bool video, PeerStatsReading & r)
{
  GValue x = G_VALUE_INIT;
  if (field_as (st, "jitter", G_TYPE_DOUBLE, &x)) {
    (video ? r.video_jitter_s : r.jitter_s) = g_value_get_double (&x);
    g_value_unset (&x);
  }
  /* Cumulative, as RFC 3550 counts it (duplicates make it negative: shown
   * as 0). webrtcbin 1.22 leaves it out of inbound-rtp when negative;
   * rtpbin's source stats have it. */
  const GstStructure *source = nullptr;
  const GValue *sv = gst_structure_get_value (st, "gst-rtpsource-stats");
  if (sv && GST_VALUE_HOLDS_STRUCTURE (sv))
    source = gst_value_get_structure (sv);
  if (field_as (st, "packets-lost", G_TYPE_INT64, &x) ||
      (source && field_as (source, "packets-lost", G_TYPE_INT64, &x))) {
    (video ? r.video_packets_lost : r.packets_lost) =
        MAX (g_value_get_int64 (&x), (gint64) 0);
    g_value_unset (&x);
  }
  if (video)
    r.video_bytes_received += field_u64 (st, "bytes-received");
}

void
on_peer_stats (GstPromise * promise, gpointer data)
{
  auto & session = *static_cast<std::shared_ptr<sessionctx::Session> *>
      (data);
  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return;
  if (const GstStructure *reply = gst_promise_get_reply (promise))
    peer_stats_apply (peer_stats_read (reply), *session);
}

/* What a send queue's callbacks count into, and what keeps it. */
struct SendCounting
{
  std::shared_ptr<const void> owner;
  sessionctx::VideoCounters *counters;
};

void
free_send_counting (gpointer data)
{
  delete static_cast<SendCounting *> (data);
}

}  // namespace

void
peer_stats_count_video_send (GstElement * appsrc,
    std::shared_ptr<const void> owner, sessionctx::VideoCounters & counters)
{
  /* appsrc 1.22 has no signal for a drop, but leaky downstream it calls
   * enough-data once before each frame it drops (measured: frames pushed
   * = frames out + enough-data calls + frames still queued, with the
   * limit in buffers or in bytes). */
  GstAppSrcCallbacks callbacks = { };
  callbacks.enough_data = [](GstAppSrc *, gpointer data) {
    static_cast<SendCounting *> (data)->counters->frame_dropped
        (sessionctx::VideoDrop::send_queue);
  };
  gst_app_src_set_callbacks (GST_APP_SRC (appsrc), &callbacks,
      new SendCounting { owner, &counters }, free_send_counting);
  GstPad *pad = gst_element_get_static_pad (appsrc, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *,
          GstPadProbeInfo *, gpointer data) {
        static_cast<SendCounting *> (data)->counters->frame_sent ();
        return GST_PAD_PROBE_OK;
      }, new SendCounting { std::move (owner), &counters },
      free_send_counting);
  gst_object_unref (pad);
}

PeerStatsReading
peer_stats_read (const GstStructure * reply)
{
  PeerStatsReading reading;
  gst_structure_foreach (reply, [](GQuark, const GValue * v,
          gpointer data)->gboolean {
        auto & r = *static_cast<PeerStatsReading *> (data);
        if (!GST_VALUE_HOLDS_STRUCTURE (v))
          return TRUE;
        const GstStructure *st = gst_value_get_structure (v);
        GstWebRTCStatsType type;
        if (!gst_structure_get_enum (st, "type", GST_TYPE_WEBRTC_STATS_TYPE,
                (gint *) & type))
          return TRUE;
        /* webrtcbin 1.22 names the kind of each RTP stream; one that does
         * not is taken for audio, as before video was counted. */
        const bool video = g_strcmp0 (gst_structure_get_string (st, "kind"),
            "video") == 0;
        double at;
        if (r.timestamp_ms < 0 && gst_structure_get_double (st, "timestamp",
                &at))
          r.timestamp_ms = at;
        GValue x = G_VALUE_INIT;
        if (type == GST_WEBRTC_STATS_INBOUND_RTP) {
          read_inbound (st, video, r);
        } else if (type == GST_WEBRTC_STATS_OUTBOUND_RTP) {
          /* What we send the client. */
          if (video)
            r.video_bytes_sent += field_u64 (st, "bytes-sent");
        } else if (type == GST_WEBRTC_STATS_REMOTE_INBOUND_RTP) {
          /* The client's receiver reports on what we send: the round
           * trip (of whichever stream reported last: one path). */
          if (field_as (st, "round-trip-time", G_TYPE_DOUBLE, &x)) {
            r.round_trip_s = g_value_get_double (&x);
            g_value_unset (&x);
          }
        }
        return TRUE;
      }, &reading);
  return reading;
}

void
peer_stats_apply (const PeerStatsReading & r, sessionctx::Session & session)
{
  sessionctx::Session::PeerFigures & f = session.peer_figures;
  if (r.round_trip_s >= 0)
    f.round_trip_s.store (r.round_trip_s);
  if (r.jitter_s >= 0)
    f.jitter_s.store (r.jitter_s);
  if (r.packets_lost >= 0)
    f.packets_lost.store (r.packets_lost);
  if (r.video_jitter_s >= 0)
    f.video_jitter_s.store (r.video_jitter_s);
  if (r.video_packets_lost >= 0)
    f.video_packets_lost.store (r.video_packets_lost);
  if (r.timestamp_ms >= 0)
    session.video.rtp_bytes (r.video_bytes_received, r.video_bytes_sent,
        r.timestamp_ms);
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
