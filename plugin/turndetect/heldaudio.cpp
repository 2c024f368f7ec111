/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turndetect/heldaudio.h"

#include <algorithm>

namespace turndetect {

HeldAudio::~HeldAudio ()
{
  reset (rate_);
}

void
HeldAudio::reset (int rate)
{
  for (Piece & p : pieces_)
    if (p.buf)
      gst_buffer_unref (p.buf);
  pieces_.clear ();
  end_ = 0;
  end_time_ = GST_CLOCK_TIME_NONE;
  rate_ = rate > 0 ? rate : 48000;
}

GstClockTime
HeldAudio::offset_time (GstClockTime base, int64_t samples) const
{
  if (!GST_CLOCK_TIME_IS_VALID (base))
    return GST_CLOCK_TIME_NONE;
  if (samples >= 0)
    return base + gst_util_uint64_scale_int (samples, GST_SECOND, rate_);
  GstClockTime back = gst_util_uint64_scale_int (-samples, GST_SECOND, rate_);
  return back > base ? 0 : base - back;
}

void
HeldAudio::push (GstBuffer * buf, size_t n, GstClockTime running_time)
{
  if (!GST_CLOCK_TIME_IS_VALID (running_time))
    running_time = end_time_;
  if (n > 0)
    pieces_.push_back ({buf ? gst_buffer_ref (buf) : nullptr, end_, n,
            running_time});
  end_ += n;
  end_time_ = offset_time (running_time, (int64_t) n);
}

void
HeldAudio::trim_before (uint64_t sample)
{
  while (!pieces_.empty () &&
      pieces_.front ().first + pieces_.front ().n <= sample) {
    if (pieces_.front ().buf)
      gst_buffer_unref (pieces_.front ().buf);
    pieces_.pop_front ();
  }
}

uint64_t
HeldAudio::held_samples () const
{
  return pieces_.empty ()? 0 : end_ - pieces_.front ().first;
}

GstClockTime
HeldAudio::running_time_of (uint64_t sample) const
{
  if (sample >= end_)
    return offset_time (end_time_, (int64_t) (sample - end_));
  if (pieces_.empty ())
    return GST_CLOCK_TIME_NONE;
  /* The last piece that begins at or before @sample (or the first). */
  auto it = std::upper_bound (pieces_.begin (), pieces_.end (), sample,
      [](uint64_t s, const Piece & p) {
        return s < p.first;
      });
  const Piece & p = it == pieces_.begin ()? *it : *(it - 1);
  return offset_time (p.running_time, (int64_t) sample - (int64_t) p.first);
}

void
HeldAudio::take (uint64_t from, uint64_t to,
    std::vector<GstBuffer *> & out) const
{
  for (const Piece & p : pieces_) {
    if (!p.buf)
      continue;
    uint64_t a = std::max (from, p.first);
    uint64_t b = std::min (to, p.first + p.n);
    if (a >= b)
      continue;
    GstBuffer *part = gst_buffer_copy_region (p.buf,
        (GstBufferCopyFlags) (GST_BUFFER_COPY_METADATA |
            GST_BUFFER_COPY_MEMORY), (a - p.first) * 2, (b - a) * 2);
    if (part)
      out.push_back (part);
  }
}

}  // namespace turndetect
