/* A WebRTC peer's audio: Opus RTP to the element's raw audio and back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/track.h"
#include "webrtc/sendclock.h"

#include <cstdint>

/* Opus both ways. Receives rtpopusdepay ! opusdec ! audioconvert !
 * audioresample ! capsfilter (the output caps); sends appsrc (16-bit mono
 * at 48 kHz, a second of it at most, the oldest dropped past that;
 * timestamped by the peer's SendClock, see push_pcm ()) !
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

  /* Pushes @samples of 16-bit mono PCM at kSendRate, of media time
   * @media (NONE: unknown), into @appsrc, the input of a send chain made
   * here, stamped by @clock (at @appsrc's running time). Nothing is pushed
   * for 0 samples. */
  static GstFlowReturn push_pcm (GstElement * appsrc, SendClock & clock,
      const int16_t * pcm, size_t samples, GstClockTime media);
};
