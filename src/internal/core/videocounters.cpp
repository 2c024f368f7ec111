/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/videocounters.h"

namespace sessionctx {

void
VideoCounters::rtp_bytes (guint64 received, guint64 sent, double at_ms)
{
  guint64 new_in, new_out;
  {
    std::lock_guard < std::mutex > lock (rtp_lock_);
    new_in = received > last_in_ ? received - last_in_ : 0;
    new_out = sent > last_out_ ? sent - last_out_ : 0;
    last_in_ = received;
    last_out_ = sent;
    rtp_in_ += new_in;
    rtp_out_ += new_out;
    if (last_at_ms_ >= 0 && at_ms > last_at_ms_) {
      const double seconds = (at_ms - last_at_ms_) / 1000.0;
      bitrate_in_ = new_in * 8 / seconds;
      bitrate_out_ = new_out * 8 / seconds;
    }
    if (at_ms > last_at_ms_)
      last_at_ms_ = at_ms;
  }
  metrics_.video_rtp_bytes (new_in, new_out);
}

VideoCounters::Snapshot
VideoCounters::snapshot () const
{
  Snapshot s;
  s.frames_in = frames_in_.load (std::memory_order_relaxed);
  s.frames_out = frames_out_.load (std::memory_order_relaxed);
  for (int i = 0; i < kVideoDrops; i++)
    s.dropped[i] = dropped_[i].load (std::memory_order_relaxed);
  s.keyframe_requests_received =
      keyframe_requests_received_.load (std::memory_order_relaxed);
  s.keyframe_requests_sent =
      keyframe_requests_sent_.load (std::memory_order_relaxed);
  std::lock_guard < std::mutex > lock (rtp_lock_);
  s.rtp_bytes_in = rtp_in_;
  s.rtp_bytes_out = rtp_out_;
  s.bitrate_in = bitrate_in_;
  s.bitrate_out = bitrate_out_;
  return s;
}

}  // namespace sessionctx
