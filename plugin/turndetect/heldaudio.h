/* A stream's recent buffers by sample position: what a turn may still
 * need (the pre-roll before its first speech, the turn itself while it
 * goes on), each with the running time it was stamped with, so that a
 * sample's time is known and a turn can be cut out of them.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <deque>
#include <vector>

namespace turndetect {

class HeldAudio
{
public:
  HeldAudio () = default;
  ~HeldAudio ();
  HeldAudio (const HeldAudio &) = delete;
  HeldAudio & operator= (const HeldAudio &) = delete;

  /* Forget everything; sample positions start again at 0, at @rate. */
  void reset (int rate);

  /* The stream's next @n samples: @buf (a reference is taken; NULL keeps
   * only their times) whose first sample is at @running_time
   * (GST_CLOCK_TIME_NONE: right after the previous samples). */
  void push (GstBuffer * buf, size_t n, GstClockTime running_time);
  /* Buffers whose samples all come before @sample go. */
  void trim_before (uint64_t sample);

  /* Samples pushed so far. */
  uint64_t end () const { return end_; }
  /* Samples (and buffers) held now. */
  uint64_t held_samples () const;
  /* The running time of @sample: from the buffer it is in, or counted
   * from the nearest one held; GST_CLOCK_TIME_NONE when none is. */
  GstClockTime running_time_of (uint64_t sample) const;
  /* Samples [@from, @to) of the buffers held, as new buffers (their
   * memory shared, metas copied: the session meta stays); appended to
   * @out, the caller owns them. */
  void take (uint64_t from, uint64_t to, std::vector<GstBuffer *> & out)
      const;

private:
  struct Piece
  {
    GstBuffer *buf;
    uint64_t first;
    size_t n;
    GstClockTime running_time;
  };
  GstClockTime offset_time (GstClockTime base, int64_t samples) const;

  std::deque<Piece> pieces_;
  uint64_t end_ = 0;
  GstClockTime end_time_ = GST_CLOCK_TIME_NONE;
  int rate_ = 48000;
};

}  // namespace turndetect
