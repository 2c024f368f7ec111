/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "server/sessionstats.h"

#include <algorithm>

namespace sessionctx {
namespace {

/* A session with video (either way): its video counters. */
void
add_video (GstStructure * st, const Session & s)
{
  const VideoCounters::Snapshot v = s.video.snapshot ();
  gst_structure_set (st,
      "video-frames-received", G_TYPE_UINT64, v.frames_in,
      "video-frames-sent", G_TYPE_UINT64, v.frames_out,
      "video-frames-dropped-framerate", G_TYPE_UINT64,
      v.dropped[(int) VideoDrop::framerate],
      "video-frames-dropped-queue", G_TYPE_UINT64,
      v.dropped[(int) VideoDrop::send_queue],
      "video-frames-dropped-behind", G_TYPE_UINT64, s.video_frames_dropped (),
      "video-keyframe-requests-received", G_TYPE_UINT64,
      v.keyframe_requests_received,
      "video-keyframe-requests-sent", G_TYPE_UINT64,
      v.keyframe_requests_sent,
      "video-bytes-received", G_TYPE_UINT64, v.rtp_bytes_in,
      "video-bytes-sent", G_TYPE_UINT64, v.rtp_bytes_out, NULL);
  if (v.bitrate_in >= 0)
    gst_structure_set (st, "video-bitrate-received", G_TYPE_DOUBLE,
        v.bitrate_in, "video-bitrate-sent", G_TYPE_DOUBLE, v.bitrate_out,
        NULL);
  const Session::PeerFigures & p = s.peer_figures;
  double jitter = p.video_jitter_s.load (std::memory_order_relaxed);
  gint64 lost = p.video_packets_lost.load (std::memory_order_relaxed);
  if (jitter >= 0)
    gst_structure_set (st, "video-jitter", G_TYPE_DOUBLE, jitter, NULL);
  if (lost >= 0)
    gst_structure_set (st, "video-packets-lost", G_TYPE_INT64, lost, NULL);
}

}  // namespace

/* @id: the table's copy (s.id () may be being set right now). */
GstStructure *
session_stats_structure (const std::string & id, const Session & s)
{
  const Session::Counters c = s.counters ();
  GstStructure *st = gst_structure_new ("session",
      "id", G_TYPE_STRING, id.c_str (),
      "transport", G_TYPE_STRING,
      gst_session_transport_to_string (s.transport ()),
      "dialect", G_TYPE_STRING, gst_session_dialect_to_string (s.dialect ()),
      "started", G_TYPE_BOOLEAN, c.started, NULL);
  if (c.started)
    gst_structure_set (st,
        "remote-address", G_TYPE_STRING, s.remote ().c_str (),
        "start-time", G_TYPE_INT64, c.started_real_us, NULL);
  gst_structure_set (st,
      "frames-received", G_TYPE_UINT64, c.frames_in,
      "bytes-received", G_TYPE_UINT64, c.bytes_in,
      "frames-sent", G_TYPE_UINT64, c.frames_out,
      "bytes-sent", G_TYPE_UINT64, c.bytes_out,
      "frames-dropped", G_TYPE_UINT64, c.frames_dropped,
      "audio-dropped", G_TYPE_UINT64, c.audio_dropped_ns,
      "input-backlog-max", G_TYPE_UINT64, c.input_backlog_max_ns,
      "send-queue-bytes", G_TYPE_UINT64, (guint64) c.send_queue_bytes, NULL);
  if (c.started)
    gst_structure_set (st, "last-media-age", G_TYPE_UINT64,
        (guint64) MAX (c.last_media_age_us, (gint64) 0) * GST_USECOND, NULL);
  if (s.transport () == GST_SESSION_TRANSPORT_WEBRTC) {
    const Session::PeerFigures & p = s.peer_figures;
    double rtt = p.round_trip_s.load (std::memory_order_relaxed);
    double jitter = p.jitter_s.load (std::memory_order_relaxed);
    gint64 lost = p.packets_lost.load (std::memory_order_relaxed);
    if (rtt >= 0)
      gst_structure_set (st, "round-trip", G_TYPE_DOUBLE, rtt, NULL);
    if (jitter >= 0)
      gst_structure_set (st, "jitter", G_TYPE_DOUBLE, jitter, NULL);
    if (lost >= 0)
      gst_structure_set (st, "packets-lost", G_TYPE_INT64, lost, NULL);
  }
  if (s.sends (MediaKind::video) || s.receives (MediaKind::video))
    add_video (st, s);
  return st;
}

GstStructure *
stats_structure_empty ()
{
  return gst_structure_new ("sessionctx-stats", "sessions", G_TYPE_UINT, 0,
      NULL);
}

GstStructure *
stats_structure (Server & server)
{
  auto sessions = server.sessions_snapshot ();
  std::sort (sessions.begin (), sessions.end (),
      [](const auto & a, const auto & b) {
        return a.first < b.first;
      });
  const Metrics::Totals t = server.metrics ().totals ();
  GstStructure *st = gst_structure_new ("sessionctx-stats",
      "sessions", G_TYPE_UINT, (guint) sessions.size (),
      "frames-received", G_TYPE_UINT64, t.frames_received,
      "bytes-received", G_TYPE_UINT64, t.bytes_received,
      "frames-sent", G_TYPE_UINT64, t.frames_sent,
      "bytes-sent", G_TYPE_UINT64, t.bytes_sent,
      "frames-dropped", G_TYPE_UINT64, t.frames_dropped,
      "audio-dropped", G_TYPE_UINT64, t.audio_dropped_ns,
      "sessions-started", G_TYPE_UINT64, t.sessions_started,
      "sessions-ended", G_TYPE_UINT64, t.sessions_ended,
      "protocol-errors", G_TYPE_UINT64, t.protocol_errors,
      "video-frames-received", G_TYPE_UINT64, t.video_frames_received,
      "video-frames-sent", G_TYPE_UINT64, t.video_frames_sent,
      "video-frames-dropped-framerate", G_TYPE_UINT64,
      t.video_dropped[(int) VideoDrop::framerate],
      "video-frames-dropped-queue", G_TYPE_UINT64,
      t.video_dropped[(int) VideoDrop::send_queue],
      "video-keyframe-requests-received", G_TYPE_UINT64,
      t.keyframe_requests_received,
      "video-keyframe-requests-sent", G_TYPE_UINT64, t.keyframe_requests_sent,
      "video-bytes-received", G_TYPE_UINT64, t.video_rtp_bytes_received,
      "video-bytes-sent", G_TYPE_UINT64, t.video_rtp_bytes_sent, NULL);
  for (size_t i = 0; i < sessions.size (); i++) {
    gchar *name = g_strdup_printf ("session-%" G_GSIZE_FORMAT, i);
    GValue v = G_VALUE_INIT;
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, session_stats_structure (sessions[i].first,
            *sessions[i].second));
    gst_structure_take_value (st, name, &v);
    g_free (name);
  }
  return st;
}

}  // namespace sessionctx
