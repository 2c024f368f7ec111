/* A server's counters for `/metrics` and the `stats` property: totals
 * (audio, and WebRTC video), sessions by transport and dialect, ends by
 * reason, protocol errors by code, two latency histograms. Counting a
 * frame is a relaxed atomic add (no lock); labels are bounded enums or our
 * own error codes, never what a client wrote.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/apimetrics.h"
#include "core/directorymetrics.h"
#include "core/healthmetrics.h"
#include "core/telephonemetrics.h"
#include "core/listener.h"

#include <gst/sessionctx/sessionctx.h>

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace sessionctx {

/* Why a video frame for a WebRTC client was not sent. */
enum class VideoDrop
{
  framerate,                    /* sooner than video-max-framerate allows */
  send_queue,                   /* the send appsrc was full (the oldest) */
};
constexpr int kVideoDrops = 2;
/* Its label value in /metrics and its word in `stats`: "framerate",
 * "send_queue". */
const char *video_drop_name (VideoDrop why);

/* Cumulative counts in fixed buckets (upper bounds in seconds). */
class Histogram
{
public:
  static constexpr std::array<double, 14> kBounds {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
    5, 10,
  };
  void observe (double seconds);
  /* Prometheus text lines of @name (without HELP/TYPE). */
  void render (const std::string & name, std::string & out) const;
  guint64 count () const { return count_.load (std::memory_order_relaxed); }

private:
  std::array<std::atomic<guint64>, kBounds.size ()> buckets_ {};
  std::atomic<guint64> count_ { 0 };
  std::atomic<guint64> sum_ns_ { 0 };
};

class Metrics
{
public:
  static constexpr int kTransports = 2;
  static constexpr int kDialects = 2;
  static constexpr int kReasons = GST_SESSION_END_REASON_API + 1;

  /* Hot path, any thread. */
  void frame_received (size_t bytes)
  {
    frames_received_.fetch_add (1, std::memory_order_relaxed);
    bytes_received_.fetch_add (bytes, std::memory_order_relaxed);
  }
  void frame_sent (size_t bytes)
  {
    frames_sent_.fetch_add (1, std::memory_order_relaxed);
    bytes_sent_.fetch_add (bytes, std::memory_order_relaxed);
  }
  void frames_dropped (guint64 n)
  {
    frames_dropped_.fetch_add (n, std::memory_order_relaxed);
  }
  /* Input audio dropped for being older than max-latency (@ns of it). */
  void audio_dropped (guint64 ns)
  {
    audio_dropped_ns_.fetch_add (ns, std::memory_order_relaxed);
  }

  /* WebRTC video, any thread (VideoCounters calls these). */
  void video_frame_received ()
  {
    video_frames_received_.fetch_add (1, std::memory_order_relaxed);
  }
  void video_frame_sent ()
  {
    video_frames_sent_.fetch_add (1, std::memory_order_relaxed);
  }
  void video_frame_dropped (VideoDrop why)
  {
    video_dropped_[(int) why].fetch_add (1, std::memory_order_relaxed);
  }
  void keyframe_request_received ()
  {
    keyframe_requests_received_.fetch_add (1, std::memory_order_relaxed);
  }
  void keyframe_request_sent ()
  {
    keyframe_requests_sent_.fetch_add (1, std::memory_order_relaxed);
  }
  /* RTP payload bytes of video, from webrtcbin's get-stats (deltas). */
  void video_rtp_bytes (guint64 received, guint64 sent)
  {
    video_rtp_bytes_received_.fetch_add (received, std::memory_order_relaxed);
    video_rtp_bytes_sent_.fetch_add (sent, std::memory_order_relaxed);
  }

  /* Session lifecycle (server thread). */
  void session_started (GstSessionTransport t, GstSessionDialect d);
  /* @was_started: it counted in sessions (a WebRTC peer may end before it
   * connected). */
  void session_ended (GstSessionTransport t, GstSessionDialect d,
      GstSessionEndReason reason, bool was_started);
  /* @code is one of protocol.h's error codes (a bounded set). */
  void protocol_error (const char *code);

  HealthCounters health;        /* /healthz, /readyz, the drain */
  ApiCounters api;              /* the session API (/sessions) */
  DirectoryCounters directory;  /* the cluster directory (Redis) */
  TelephoneCounters telephone;  /* Twilio's webhook, signatures */
  Histogram websocket_handshake;        /* request received → 101 written */
  Histogram webrtc_setup;       /* offer received → peer connected */

  struct Totals
  {
    guint64 frames_received, bytes_received, frames_sent, bytes_sent,
        frames_dropped, sessions_started, sessions_ended, protocol_errors,
        audio_dropped_ns;
    guint64 video_frames_received, video_frames_sent,
        video_dropped[kVideoDrops], keyframe_requests_received,
        keyframe_requests_sent, video_rtp_bytes_received,
        video_rtp_bytes_sent;
  };
  Totals totals () const;

  /* The whole Prometheus text exposition (format 0.0.4). */
  std::string render () const;

private:
  static int transport_index (GstSessionTransport t);
  static int dialect_index (GstSessionDialect d);

  std::atomic<guint64> frames_received_ { 0 };
  std::atomic<guint64> bytes_received_ { 0 };
  std::atomic<guint64> frames_sent_ { 0 };
  std::atomic<guint64> bytes_sent_ { 0 };
  std::atomic<guint64> frames_dropped_ { 0 };
  std::atomic<guint64> audio_dropped_ns_ { 0 };
  std::atomic<guint64> video_frames_received_ { 0 };
  std::atomic<guint64> video_frames_sent_ { 0 };
  std::atomic<guint64> video_dropped_[kVideoDrops] {};
  std::atomic<guint64> keyframe_requests_received_ { 0 };
  std::atomic<guint64> keyframe_requests_sent_ { 0 };
  std::atomic<guint64> video_rtp_bytes_received_ { 0 };
  std::atomic<guint64> video_rtp_bytes_sent_ { 0 };
  std::atomic<gint64> live_[kTransports][kDialects] {};
  std::atomic<guint64> started_[kTransports][kDialects] {};
  std::atomic<guint64> ended_[kReasons] {};

  mutable std::mutex errors_lock_;      /* a leaf; not on the frame path */
  std::map<std::string, guint64> errors_;
};

/* Escapes a label value for the text format: backslash, quote, newline. */
std::string prometheus_escape_label (const std::string & value);

/* Forwards everything to the element's listener and counts each protocol
 * warning (the server's rooms see this one). */
class CountingListener : public ServerListener
{
public:
  CountingListener (ServerListener * inner, Metrics & metrics)
      : inner_ (inner), metrics_ (metrics) { }
  ServerListener *inner () const { return inner_; }

  void on_session_started (const std::shared_ptr<Session> & s) override
  {
    inner_->on_session_started (s);
  }
  void on_session_media (Session & s, Encoding encoding,
      const uint8_t * data, size_t len) override
  {
    inner_->on_session_media (s, encoding, data, len);
  }
  void on_session_dtmf (Session & s, const std::string & digit) override
  {
    inner_->on_session_dtmf (s, digit);
  }
  void on_session_mark (Session & s, const std::string & name) override
  {
    inner_->on_session_mark (s, name);
  }
  void on_session_message (Session & s, const std::string & json) override
  {
    inner_->on_session_message (s, json);
  }
  void on_session_ended (Session & s, GstSessionEndReason reason) override
  {
    inner_->on_session_ended (s, reason);
  }
  void on_webrtc_offer (const std::shared_ptr<Session> & s,
      const std::string & sdp,
      std::function<void (guint status, std::string body)> reply) override
  {
    inner_->on_webrtc_offer (s, sdp, std::move (reply));
  }
  void on_webrtc_candidate (Session & s, int mline_index,
      const std::string & candidate) override
  {
    inner_->on_webrtc_candidate (s, mline_index, candidate);
  }
  bool authorize (Session & s, const std::string & id) override
  {
    return inner_->authorize (s, id);
  }
  void on_protocol_warning (const std::string & who, const char *code,
      const std::string & detail) override
  {
    metrics_.protocol_error (code);
    inner_->on_protocol_warning (who, code, detail);
  }

private:
  ServerListener *inner_;
  Metrics & metrics_;
};

}  // namespace sessionctx
