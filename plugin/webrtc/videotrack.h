/* A WebRTC peer's video: VP8 or H.264 RTP to the element's raw video and
 * back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/track.h"
#include "webrtc/videocodec.h"

/* VP8 (WebRTC's mandatory video codec), or H.264 when the client prefers
 * it (choose_video_codec ()) and the openh264 elements are installed. */
class VideoTrackFactory : public TrackFactory
{
public:
  sessionctx::MediaKind kind () const override
  {
    return sessionctx::MediaKind::video;
  }
  /* A video m-line with VP8, or with H.264 the peer can do. */
  bool accepts (const OfferedMedia & media) const override;
  /* VP8: rtpvp8depay ! vp8dec ! videoconvert ! capsfilter (@output_caps);
   * H.264: rtph264depay ! h264parse ! openh264dec ! videoconvert !
   * capsfilter. The depayloader asks for a keyframe on a loss, the decoder
   * on an error (a warning, never the peer's end). */
  GstElement *make_receive_chain (const OfferedMedia & media,
      const char *encoding, GstCaps * output_caps) const override;
  /* appsrc (raw video as sent, any size) ! videoconvert ! videoscale !
   * capsfilter (at most the settings' size) ! encoder (realtime, the
   * settings' bitrate, a keyframe at least every 60 frames and on a
   * client's PLI/FIR: vp8enc, or openh264enc) ! payloader (the client's
   * payload type: rtpvp8pay, or rtph264pay with SPS/PPS before every
   * IDR). */
  GstElement *make_send_chain (const OfferedMedia & media,
      const PeerSettings & settings, GstElement ** appsrc) const override;

  /* The codec the factory answers @media with. */
  static VideoCodecChoice choose (const OfferedMedia & media);
};
