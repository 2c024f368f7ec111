/* The timestamps of what a session sends to one WebRTC peer (sendclock.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/sendclock.h"

GST_DEBUG_CATEGORY_STATIC (send_clock_debug);
#define GST_CAT_DEFAULT send_clock_debug

SendClock::SendClock ()
{
  static std::once_flag once;
  std::call_once (once,[] {
        GST_DEBUG_CATEGORY_INIT (send_clock_debug, "sessionsendclock", 0,
            "timestamps of what a session sends to a WebRTC peer");
      });
}

void
SendClock::stamp_audio (GstBuffer * buf, size_t samples, int rate,
    GstClockTime media, GstClockTime now)
{
  if (!GST_CLOCK_TIME_IS_VALID (media))
    media = now;
  const GstClockTime earliest = GST_CLOCK_TIME_IS_VALID (media) &&
      media > kMaxLag ? media - kMaxLag : 0;
  std::lock_guard < std::mutex > l (lock_);
  if (rate != rate_ && GST_CLOCK_TIME_IS_VALID (anchor_) && rate_ > 0) {
    /* Counted on at the new rate from where the old count ended. */
    anchor_ += gst_util_uint64_scale (samples_, GST_SECOND, rate_);
    samples_ = 0;
  }
  rate_ = rate;
  if (!GST_CLOCK_TIME_IS_VALID (anchor_)) {
    anchor_ = earliest;
    samples_ = 0;
    if (GST_CLOCK_TIME_IS_VALID (now))
      first_audio_late_ = GST_CLOCK_DIFF (anchor_, now);
  } else if (anchor_ + gst_util_uint64_scale (samples_, GST_SECOND,
          rate) < earliest) {
    /* Past the end of what was stamped before: forward only. */
    GST_DEBUG ("audio anchored again at %" GST_TIME_FORMAT " (%"
        GST_STIME_FORMAT " forward)", GST_TIME_ARGS (earliest),
        GST_STIME_ARGS (GST_CLOCK_DIFF (anchor_ + gst_util_uint64_scale
                (samples_, GST_SECOND, rate), earliest)));
    anchor_ = earliest;
    samples_ = 0;
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  }
  const GstClockTime pts = anchor_ + gst_util_uint64_scale (samples_,
      GST_SECOND, rate);
  samples_ += samples;
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = anchor_ + gst_util_uint64_scale (samples_,
      GST_SECOND, rate) - pts;
  if (GST_CLOCK_TIME_IS_VALID (media))
    note_audio_offset_locked (media, GST_CLOCK_DIFF (media, pts));
}

void
SendClock::note_audio_offset_locked (GstClockTime media,
    GstClockTimeDiff offset)
{
  /* Media time went back (a new segment upstream): what was seen before
   * says nothing of what comes. */
  if (!offsets_.empty () && media < offsets_.back ().media)
    offsets_.clear ();
  /* Those not more than this one can no longer be the most. */
  while (!offsets_.empty () && offsets_.back ().offset <= offset)
    offsets_.pop_back ();
  offsets_.push_back ( { media, offset });
  while (offsets_.front ().media + kOffsetWindow < media)
    offsets_.pop_front ();
  const GstClockTimeDiff most = offsets_.front ().offset;
  if (most > goal_ + (GstClockTimeDiff) kOffsetSlack ||
      most < goal_ - (GstClockTimeDiff) kOffsetSlack) {
    GST_DEBUG ("video's offset goes from %" GST_STIME_FORMAT " to %"
        GST_STIME_FORMAT " (audio at media time %" GST_TIME_FORMAT ")",
        GST_STIME_ARGS (goal_), GST_STIME_ARGS (most), GST_TIME_ARGS (media));
    goal_ = most;
  }
}

void
SendClock::stamp_video (GstBuffer * buf, GstClockTime media, GstClockTime now)
{
  if (!GST_CLOCK_TIME_IS_VALID (media))
    media = now;
  std::lock_guard < std::mutex > l (lock_);
  /* The first frame as far behind the running time as audio's first
   * buffer was (kMaxLag if none came yet), whatever audio's offset is by
   * then; from the next on audio's offset, approached up at once, down by
   * at most a quarter of each frame's step (the frames play a little
   * faster until they are in place, rather than one jumping back). */
  GstClockTimeDiff step = 0;
  if (GST_CLOCK_TIME_IS_VALID (media) && GST_CLOCK_TIME_IS_VALID (last_media_)
      && media > last_media_)
    step = GST_CLOCK_DIFF (last_media_, media);
  const bool first = !GST_CLOCK_TIME_IS_VALID (last_video_);
  if (goal_ >= video_offset_)
    video_offset_ = goal_;
  else
    video_offset_ = MAX (goal_, video_offset_ - step / 4);
  GstClockTime pts = 0;
  GstClockTimeDiff t = 0;
  if (first && GST_CLOCK_TIME_IS_VALID (now)) {
    /* As late as audio's first buffer went (kMaxLag: none yet). */
    t = (GstClockTimeDiff) now - (GST_CLOCK_STIME_IS_VALID (first_audio_late_)
        ? first_audio_late_ : (GstClockTimeDiff) kMaxLag);
    GST_DEBUG ("first video frame %" GST_STIME_FORMAT " behind the running "
        "time, %" GST_STIME_FORMAT " off its media time (audio's: %"
        GST_STIME_FORMAT ")", GST_STIME_ARGS ((GstClockTimeDiff) now - t),
        GST_STIME_ARGS (GST_CLOCK_TIME_IS_VALID (media) ? t - (gint64) media
            : 0), GST_STIME_ARGS (goal_));
  } else if (GST_CLOCK_TIME_IS_VALID (media)) {
    t = (GstClockTimeDiff) media + video_offset_;
  } else if (!first) {
    t = last_video_ + kMinVideoStep;
  }
  pts = t > 0 ? (GstClockTime) t : 0;
  if (GST_CLOCK_TIME_IS_VALID (media))
    last_media_ = media;
  if (GST_CLOCK_TIME_IS_VALID (last_video_) && pts <= last_video_)
    pts = last_video_ + kMinVideoStep;
  last_video_ = pts;
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
}

GstClockTimeDiff
SendClock::video_offset ()
{
  std::lock_guard < std::mutex > l (lock_);
  return video_offset_;
}

bool
FrameRateLimit::admit (GstClockTime media)
{
  if (!GST_CLOCK_TIME_IS_VALID (media) || interval == 0)
    return true;
  const GstClockTime early = kTolerance * interval;
  if (GST_CLOCK_TIME_IS_VALID (due) && media + early < due) {
    /* Before its turn, unless the media time went back a long way (a new
     * segment): then the count starts again. */
    if (due - media < GST_SECOND)
      return false;
    due = GST_CLOCK_TIME_NONE;
  }
  due = (GST_CLOCK_TIME_IS_VALID (due) ? MAX (due, media) : media) + interval;
  return true;
}
