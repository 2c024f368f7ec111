/* The timestamps of what a session sends to one WebRTC peer: audio by
 * sample count, video by frame time, both on one timeline.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <cstddef>
#include <deque>
#include <mutex>

/* One per peer. Everything is on the pipeline's running time: a buffer's
 * media time is its own running time where the session's output made it
 * (the handler's PTS through its segment: the arrival stamp of what it
 * came from, for an echo), @now the send chain's running time as it is
 * pushed. The PTS set here become the RTP timestamps (the payloaders
 * count from the PTS) and, through webrtcbin's RTCP sender reports (RTP
 * time of a PTS ↔ NTP time), what the client lines its streams up by: a
 * beep and a flash of one media time get one PTS, so they play together.
 *
 * Audio: a buffer's PTS is where the one before it ended (its samples at
 * @rate after its PTS), DURATION set, unless that is more than kMaxLag
 * before its media time: then it is its media time less kMaxLag, flagged
 * DISCONT (the first buffer's too, unflagged; 0 in the pipeline's first
 * kMaxLag). So a burst gets consecutive timestamps, not the same one, and
 * after a gap the RTP timestamps jump forward by the part of it beyond
 * kMaxLag; they never go back and never repeat. No media time (the tail
 * of a resampler at a session's end): @now stands for it.
 *
 * Why kMaxLag before and not at the media time: webrtcbin sends each
 * packet when its PTS is due (its clocksync), so audio stamped ahead of
 * the running time waits. A burst anchored at its media time (early media
 * at a session's start, the catch-up after a stall upstream) would wait
 * its whole length; anchored kMaxLag earlier, up to kMaxLag of it goes out
 * at once.
 *
 * So audio's PTS stand off its media time by an offset that moves: −kMaxLag
 * at an anchor, more while a burst is counted ahead, less while the count
 * falls behind. Video takes audio's offset: a frame's PTS is its media time
 * plus the most audio stood off in the last kOffsetWindow (the arrival
 * stamps audio's media times come from are late by a jitter, never early:
 * the most is the least jittered), changed only when that moved by more
 * than kOffsetSlack (so frames of a steady frame rate keep exact steps),
 * at once when it grew, by at most a quarter of each frame's step when it
 * shrank. Video never goes back: a frame no later than the one before is
 * stamped kMinVideoStep after it. Without audio (yet), −kMaxLag, where
 * audio will anchor. The first frame goes as far behind the running time
 * as audio's first buffer went (kMaxLag without audio): a receiver that
 * lines streams up by where their first packets came (GStreamer's
 * rtpbin) sees both equally late. Thread-safe. */
class SendClock
{
public:
  static constexpr GstClockTime kMaxLag = 100 * GST_MSECOND;
  static constexpr GstClockTime kOffsetWindow = 500 * GST_MSECOND;
  static constexpr GstClockTime kOffsetSlack = 10 * GST_MSECOND;
  static constexpr GstClockTime kMinVideoStep = GST_MSECOND;

  SendClock ();

  /* Sets @buf's PTS and DURATION for the @samples at @rate it holds, of
   * media time @media (NONE: @now; both NONE, no clock yet: counted on,
   * from 0 if nothing came before). */
  void stamp_audio (GstBuffer * buf, size_t samples, int rate,
      GstClockTime media, GstClockTime now);
  /* Sets @buf's PTS (a video frame of media time @media; NONE: @now) on
   * audio's timeline; DTS unset, DURATION kept. */
  void stamp_video (GstBuffer * buf, GstClockTime media, GstClockTime now);
  /* How far video's PTS stand off their media time now. */
  GstClockTimeDiff video_offset ();

private:
  /* Audio's offset at @media is @offset: into the window, video's goal. */
  void note_audio_offset_locked (GstClockTime media, GstClockTimeDiff offset);

  std::mutex lock_;
  /* Audio */
  GstClockTime anchor_ = GST_CLOCK_TIME_NONE;
  guint64 samples_ = 0;         /* at rate_ since #anchor_ */
  int rate_ = 0;
  /* Audio's offsets in the last kOffsetWindow, by media time, each
   * smaller than the one before (the front is the most). */
  struct Offset
  {
    GstClockTime media;
    GstClockTimeDiff offset;
  };
  std::deque<Offset> offsets_;
  /* How far the first audio buffer's PTS was behind the running time it
   * was pushed at (NONE: none yet, or no running time then). */
  GstClockTimeDiff first_audio_late_ = GST_CLOCK_STIME_NONE;
  /* Video */
  GstClockTimeDiff goal_ = -(GstClockTimeDiff) kMaxLag;
  GstClockTimeDiff video_offset_ = -(GstClockTimeDiff) kMaxLag;
  GstClockTime last_media_ = GST_CLOCK_TIME_NONE;
  GstClockTime last_video_ = GST_CLOCK_TIME_NONE;
};

/* At most one frame per #interval on average, by media time (GCRA): a
 * frame passes unless it comes more than kTolerance frames' time before
 * its turn (the ones before it took it). Frames that came unevenly (the
 * arrival jitter their media times carry) pass; a faster stream is
 * thinned to the rate. Not thread-safe (the peer's lock). */
struct FrameRateLimit
{
  static constexpr int kTolerance = 2;
  GstClockTime interval = 0;
  GstClockTime due = GST_CLOCK_TIME_NONE;       /* the next frame's turn */

  /* Whether a frame of media time @media goes (and takes its turn). */
  bool admit (GstClockTime media);
};
