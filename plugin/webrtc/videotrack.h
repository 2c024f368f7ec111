/* A WebRTC peer's video: VP8 RTP to the element's raw video and back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/track.h"

class VideoTrackFactory : public TrackFactory
{
public:
  sessionctx::MediaKind kind () const override
  {
    return sessionctx::MediaKind::video;
  }
  /* A video m-line with VP8 (WebRTC's mandatory video codec). */
  bool accepts (const OfferedMedia & media) const override;
  /* rtpvp8depay ! vp8dec ! videoconvert ! capsfilter (@output_caps). */
  GstElement *make_receive_chain (const OfferedMedia & media,
      GstCaps * output_caps) const override;
  /* appsrc (raw video as sent, any size) ! videoconvert ! videoscale !
   * capsfilter (at most the settings' size) ! vp8enc (realtime, the
   * settings' bitrate) ! rtpvp8pay (the client's payload type). */
  GstElement *make_send_chain (const OfferedMedia & media,
      const PeerSettings & settings, GstElement ** appsrc) const override;
};
