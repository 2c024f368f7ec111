/* A WebRTC peer's audio: Opus RTP to the element's raw audio and back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/track.h"

#include <cstdint>
#include <mutex>

/* Timestamps what a session sends to one peer's audio by sample count,
 * on the pipeline's running time: a buffer's PTS is where the one before
 * it ended (its samples × second / AudioTrackFactory::kSendRate after its
 * PTS), DURATION set, unless that is more than kMaxLag before the running
 * time: then it is the running time less kMaxLag, flagged DISCONT (the
 * first buffer's too, unflagged; 0 in the pipeline's first kMaxLag). So a
 * burst gets consecutive timestamps, not the same one, and after a gap
 * (the session sent nothing for a while) the RTP timestamps jump forward
 * by the part of it beyond kMaxLag; they never go back and never repeat.
 *
 * Why kMaxLag before the running time and not at it: webrtcbin sends each
 * packet when its timestamp is due (its clocksync), so audio stamped ahead
 * of the running time waits in the appsrc. A burst anchored at the running
 * time (early media at a session's start, the catch-up after a stall
 * upstream) would wait its whole length, and the call stay that much
 * later until a gap; anchored kMaxLag earlier, up to kMaxLag of it goes
 * out at once. Thread-safe. */
class AudioSendClock
{
public:
  static constexpr GstClockTime kMaxLag = 100 * GST_MSECOND;

  /* Sets @buf's PTS and DURATION for the @samples it holds; @now: the
   * running time now, or GST_CLOCK_TIME_NONE (no clock yet: counted on,
   * from 0 if nothing came before). */
  void stamp (GstBuffer * buf, size_t samples, GstClockTime now);

private:
  std::mutex lock_;
  GstClockTime anchor_ = GST_CLOCK_TIME_NONE;
  guint64 samples_ = 0;         /* sent since #anchor_ */
};

/* Opus both ways. Receives rtpopusdepay ! opusdec ! audioconvert !
 * audioresample ! capsfilter (the output caps); sends appsrc (16-bit mono
 * at 48 kHz, a second of it at most, the oldest dropped past that;
 * timestamped by the AudioSendClock it carries, see push_pcm ()) !
 * audioconvert ! opusenc (PeerSettings::opus_complexity) ! rtpopuspay
 * (the client's Opus payload type: its RTP timestamps follow the PTS). */
class AudioTrackFactory : public TrackFactory
{
public:
  /* What the send chain's appsrc takes: a WebRTC session's output rate. */
  static constexpr int kSendRate = 48000;

  sessionctx::MediaKind kind () const override
  {
    return sessionctx::MediaKind::audio;
  }
  /* An audio m-line with Opus. */
  bool accepts (const OfferedMedia & media) const override;
  GstElement *make_receive_chain (const OfferedMedia & media,
      const char *encoding, GstCaps * output_caps) const override;
  GstElement *make_send_chain (const OfferedMedia & media,
      const PeerSettings & settings, GstElement ** appsrc) const override;

  /* Pushes @samples of 16-bit mono PCM at kSendRate into @appsrc, the
   * input of a send chain made here, stamped by its AudioSendClock (at
   * @appsrc's running time). Nothing is pushed for 0 samples. */
  static GstFlowReturn push_pcm (GstElement * appsrc, const int16_t * pcm,
      size_t samples);
};
