/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/metrics.h"
#include "core/prometheustext.h"

#include <cinttypes>
#include <cstdio>

namespace sessionctx {
namespace {

void
append_u64 (std::string & out, guint64 v)
{
  char buf[24];
  snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, v);
  out += buf;
}

/* The shortest text that reads back as @v ("0.0005", not
 * "0.00050000000000000001"): bucket bounds are label values. */
void
append_double (std::string & out, double v)
{
  char buf[32];
  for (int precision = 1; precision <= 17; precision++) {
    g_ascii_formatd (buf, sizeof buf, ("%." + std::to_string (precision) +
            "g").c_str (), v);
    if (g_ascii_strtod (buf, nullptr) == v)
      break;
  }
  out += buf;
}

using prometheus::counter;
using prometheus::header;

const GstSessionTransport kTransportValues[] = {
  GST_SESSION_TRANSPORT_WEBSOCKET, GST_SESSION_TRANSPORT_WEBRTC,
};
const GstSessionDialect kDialectValues[] = {
  GST_SESSION_DIALECT_FASTRTC, GST_SESSION_DIALECT_TWILIO,
};

}  // namespace

const char *
video_drop_name (VideoDrop why)
{
  return why == VideoDrop::framerate ? "framerate" : "send_queue";
}

constexpr std::array<double, 14> Histogram::kBounds;

void
Histogram::observe (double seconds)
{
  for (size_t i = 0; i < kBounds.size (); i++) {
    if (seconds <= kBounds[i]) {
      buckets_[i].fetch_add (1, std::memory_order_relaxed);
      break;
    }
  }
  sum_ns_.fetch_add ((guint64) (MAX (seconds, 0.0) * 1e9),
      std::memory_order_relaxed);
  count_.fetch_add (1, std::memory_order_relaxed);
}

void
Histogram::render (const std::string & name, std::string & out) const
{
  /* Read the count first: cumulative buckets never exceed it. */
  guint64 count = count_.load (std::memory_order_relaxed);
  guint64 cumulative = 0;
  for (size_t i = 0; i < kBounds.size (); i++) {
    cumulative += buckets_[i].load (std::memory_order_relaxed);
    out += name;
    out += "_bucket{le=\"";
    append_double (out, kBounds[i]);
    out += "\"} ";
    append_u64 (out, MIN (cumulative, count));
    out += '\n';
  }
  out += name;
  out += "_bucket{le=\"+Inf\"} ";
  append_u64 (out, count);
  out += '\n';
  out += name;
  out += "_sum ";
  append_double (out, sum_ns_.load (std::memory_order_relaxed) / 1e9);
  out += '\n';
  out += name;
  out += "_count ";
  append_u64 (out, count);
  out += '\n';
}

int
Metrics::transport_index (GstSessionTransport t)
{
  return t == GST_SESSION_TRANSPORT_WEBRTC ? 1 : 0;
}

int
Metrics::dialect_index (GstSessionDialect d)
{
  return d == GST_SESSION_DIALECT_TWILIO ? 1 : 0;
}

void
Metrics::session_started (GstSessionTransport t, GstSessionDialect d)
{
  live_[transport_index (t)][dialect_index (d)].fetch_add (1);
  started_[transport_index (t)][dialect_index (d)].fetch_add (1);
}

void
Metrics::session_ended (GstSessionTransport t, GstSessionDialect d,
    GstSessionEndReason reason, bool was_started)
{
  if (was_started)
    live_[transport_index (t)][dialect_index (d)].fetch_sub (1);
  if ((int) reason >= 0 && (int) reason < kReasons)
    ended_[reason].fetch_add (1);
}

void
Metrics::protocol_error (const char *code)
{
  std::lock_guard < std::mutex > lock (errors_lock_);
  errors_[code ? code : "unknown"]++;
}

Metrics::Totals
Metrics::totals () const
{
  Totals t = { };
  t.frames_received = frames_received_.load (std::memory_order_relaxed);
  t.bytes_received = bytes_received_.load (std::memory_order_relaxed);
  t.frames_sent = frames_sent_.load (std::memory_order_relaxed);
  t.bytes_sent = bytes_sent_.load (std::memory_order_relaxed);
  t.frames_dropped = frames_dropped_.load (std::memory_order_relaxed);
  t.audio_dropped_ns = audio_dropped_ns_.load (std::memory_order_relaxed);
  t.video_frames_received =
      video_frames_received_.load (std::memory_order_relaxed);
  t.video_frames_sent = video_frames_sent_.load (std::memory_order_relaxed);
  for (int i = 0; i < kVideoDrops; i++)
    t.video_dropped[i] = video_dropped_[i].load (std::memory_order_relaxed);
  t.keyframe_requests_received =
      keyframe_requests_received_.load (std::memory_order_relaxed);
  t.keyframe_requests_sent =
      keyframe_requests_sent_.load (std::memory_order_relaxed);
  t.video_rtp_bytes_received =
      video_rtp_bytes_received_.load (std::memory_order_relaxed);
  t.video_rtp_bytes_sent =
      video_rtp_bytes_sent_.load (std::memory_order_relaxed);
  for (auto & row : started_)
    for (auto & c : row)
      t.sessions_started += c.load ();
  for (auto & c : ended_)
    t.sessions_ended += c.load ();
  std::lock_guard < std::mutex > lock (errors_lock_);
  for (auto &[code, n] : errors_)
    t.protocol_errors += n;
  return t;
}

std::string
prometheus_escape_label (const std::string & value)
{
  std::string out;
  out.reserve (value.size ());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string
Metrics::render () const
{
  std::string out;
  out.reserve (4096);
  const Totals t = totals ();

  /* One series per {transport,dialect} of @values. */
  auto by_kind = [&out] (const char *name, auto value) {
    for (int i = 0; i < kTransports; i++)
      for (int j = 0; j < kDialects; j++) {
        out += name;
        out += "{transport=\"";
        out += prometheus_escape_label (gst_session_transport_to_string
            (kTransportValues[i]));
        out += "\",dialect=\"";
        out += prometheus_escape_label (gst_session_dialect_to_string
            (kDialectValues[j]));
        out += "\"} ";
        append_u64 (out, value (i, j));
        out += '\n';
      }
  };
  header (out, "sessionctx_sessions", "gauge", "Sessions live now (a WebRTC "
      "session counts from the moment its peer connected)");
  by_kind ("sessionctx_sessions", [this] (int i, int j) {
        return (guint64) MAX (live_[i][j].load (), (gint64) 0);
      });
  header (out, "sessionctx_sessions_started_total", "counter",
      "Sessions started");
  by_kind ("sessionctx_sessions_started_total", [this] (int i, int j) {
        return (guint64) started_[i][j].load ();
      });
  header (out, "sessionctx_sessions_ended_total", "counter",
      "Sessions ended, by the reason of session-ended");
  for (int r = 0; r < kReasons; r++) {
    out += "sessionctx_sessions_ended_total{reason=\"";
    out += prometheus_escape_label (gst_session_end_reason_to_string (
            (GstSessionEndReason) r));
    out += "\"} ";
    append_u64 (out, ended_[r].load ());
    out += '\n';
  }

  counter (out, "sessionctx_frames_received_total",
      "Media frames received from clients (WebSocket media messages, "
      "decoded audio buffers of WebRTC peers)",
      t.frames_received);
  counter (out, "sessionctx_bytes_received_total",
      "Media bytes received from clients (WebSocket: decoded payload; "
      "WebRTC: decoded PCM)", t.bytes_received);
  counter (out, "sessionctx_frames_sent_total",
      "Media frames sent to clients (WebSocket frames, PCM blocks for "
      "WebRTC peers)", t.frames_sent);
  counter (out, "sessionctx_bytes_sent_total",
      "Media bytes sent to clients (WebSocket frame payloads, PCM for "
      "WebRTC peers)", t.bytes_sent);
  counter (out, "sessionctx_frames_dropped_total",
      "Media frames for clients that were not delivered (cleared from the "
      "send queue, or the client's queue overflowed)", t.frames_dropped);
  header (out, "sessionctx_audio_dropped_seconds_total", "counter",
      "Client audio dropped before the pipeline: older than max-latency "
      "while the pipeline was behind");
  out += "sessionctx_audio_dropped_seconds_total ";
  append_double (out, t.audio_dropped_ns / 1e9);
  out += '\n';

  counter (out, "sessionctx_video_frames_received_total",
      "Video frames received from WebRTC clients: decoded, delivered to "
      "their session's video pad", t.video_frames_received);
  counter (out, "sessionctx_video_frames_sent_total",
      "Video frames sent to WebRTC clients: taken by the encoder of their "
      "video track", t.video_frames_sent);
  header (out, "sessionctx_video_frames_dropped_total", "counter",
      "Video frames for WebRTC clients that were not sent, by reason: "
      "framerate (sooner than video-max-framerate), send_queue (the oldest "
      "frame waiting for the encoder, dropped for a newer one)");
  for (int i = 0; i < kVideoDrops; i++)
    prometheus::sample (out, "sessionctx_video_frames_dropped_total", {
          {"reason", video_drop_name ((VideoDrop) i)}}, t.video_dropped[i]);
  counter (out, "sessionctx_video_keyframe_requests_received_total",
      "Keyframe requests (PLI, FIR) from WebRTC clients for the video sent "
      "to them", t.keyframe_requests_received);
  counter (out, "sessionctx_video_keyframe_requests_sent_total",
      "Keyframe requests sent to WebRTC clients for the video they send",
      t.keyframe_requests_sent);
  counter (out, "sessionctx_video_rtp_bytes_received_total",
      "RTP payload bytes of video received from WebRTC clients (webrtcbin's "
      "stats, read about once a second per peer; times 8, its rate is the "
      "bitrate)", t.video_rtp_bytes_received);
  counter (out, "sessionctx_video_rtp_bytes_sent_total",
      "RTP payload bytes of video sent to WebRTC clients (webrtcbin's "
      "stats, read about once a second per peer; times 8, its rate is the "
      "bitrate)", t.video_rtp_bytes_sent);

  header (out, "sessionctx_protocol_errors_total", "counter",
      "Protocol errors, warnings and access refusals, by error code");
  {
    std::lock_guard < std::mutex > lock (errors_lock_);
    for (auto &[code, n] : errors_) {
      out += "sessionctx_protocol_errors_total{code=\"";
      out += prometheus_escape_label (code);
      out += "\"} ";
      append_u64 (out, n);
      out += '\n';
    }
  }

  header (out, "sessionctx_websocket_handshake_seconds", "histogram",
      "WebSocket handshake: from the HTTP upgrade request received to the "
      "101 response written (the upgrade done)");
  websocket_handshake.render ("sessionctx_websocket_handshake_seconds", out);
  header (out, "sessionctx_webrtc_setup_seconds", "histogram",
      "WebRTC setup: from the offer received to the peer connected");
  webrtc_setup.render ("sessionctx_webrtc_setup_seconds", out);
  health.render (out);
  api.render (out);
  directory.render (out);
  telephone.render (out);
  return out;
}

}  // namespace sessionctx
