/* One WebRTC session's video counters: frames in, out and dropped,
 * keyframe requests both ways, and the RTP bytes both ways with the
 * bitrate they make (from webrtcbin's get-stats). Each count adds to the
 * server's Metrics too. A frame costs a relaxed atomic add here and one
 * there, no lock.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/metrics.h"

#include <atomic>
#include <mutex>

namespace sessionctx {

class VideoCounters
{
public:
  explicit VideoCounters (Metrics & metrics) : metrics_ (metrics) { }
  VideoCounters (const VideoCounters &) = delete;
  VideoCounters & operator= (const VideoCounters &) = delete;

  /* Any thread, once per frame. */
  /* A decoded frame from the client went to the session's video pad. */
  void frame_received ()
  {
    frames_in_.fetch_add (1, std::memory_order_relaxed);
    metrics_.video_frame_received ();
  }
  /* A frame for the client left the send queue for its encoder. */
  void frame_sent ()
  {
    frames_out_.fetch_add (1, std::memory_order_relaxed);
    metrics_.video_frame_sent ();
  }
  void frame_dropped (VideoDrop why)
  {
    dropped_[(int) why].fetch_add (1, std::memory_order_relaxed);
    metrics_.video_frame_dropped (why);
  }
  /* The client asked for a keyframe of the video we send it (RTCP PLI or
   * FIR reaching the encoder; the peer's KeyframeRequests report it). */
  void keyframe_request_received ()
  {
    keyframe_requests_received_.fetch_add (1, std::memory_order_relaxed);
    metrics_.keyframe_request_received ();
  }
  /* We asked the client for a keyframe of the video it sends (a request
   * let through the peer's gate, sent as PLI by webrtcbin). */
  void keyframe_request_sent ()
  {
    keyframe_requests_sent_.fetch_add (1, std::memory_order_relaxed);
    metrics_.keyframe_request_sent ();
  }

  /* About once a second, from webrtcbin's get-stats: the RTP payload bytes
   * of video received and sent so far (summed over the video streams) at
   * @at_ms (the stats' timestamp, ms). Adds what is new to the session's
   * and the server's totals; the bitrates are over the time since the
   * previous reading. A total that went back (a stream gone) adds
   * nothing. */
  void rtp_bytes (guint64 received, guint64 sent, double at_ms);

  struct Snapshot
  {
    guint64 frames_in, frames_out, dropped[kVideoDrops];
    guint64 keyframe_requests_received, keyframe_requests_sent;
    guint64 rtp_bytes_in, rtp_bytes_out;
    double bitrate_in, bitrate_out;     /* bit/s; -1 until two readings */
  };
  /* Any thread, no lock on the frame counters. */
  Snapshot snapshot () const;

private:
  Metrics & metrics_;
  std::atomic<guint64> frames_in_ { 0 };
  std::atomic<guint64> frames_out_ { 0 };
  std::atomic<guint64> dropped_[kVideoDrops] {};
  std::atomic<guint64> keyframe_requests_received_ { 0 };
  std::atomic<guint64> keyframe_requests_sent_ { 0 };

  /* The readings of get-stats: a leaf lock, taken once a second by
   * rtp_bytes () and by snapshot (), never per frame. */
  mutable std::mutex rtp_lock_;
  guint64 last_in_ = 0, last_out_ = 0;  /* the last reading's totals */
  double last_at_ms_ = -1;
  guint64 rtp_in_ = 0, rtp_out_ = 0;    /* what the session added up */
  double bitrate_in_ = -1, bitrate_out_ = -1;
};

}  // namespace sessionctx
