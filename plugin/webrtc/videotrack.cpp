/* A WebRTC peer's video: VP8 or H.264 RTP to the element's raw video and
 * back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/videotrack.h"
#include "webrtc/keyframerequests.h"
#include "webrtc/peersettings.h"

#include <gst/app/gstappsrc.h>

VideoCodecChoice
VideoTrackFactory::choose (const OfferedMedia & media)
{
  return choose_video_codec (media, h264_elements_available ());
}

bool
VideoTrackFactory::accepts (const OfferedMedia & media) const
{
  return media.kind == sessionctx::MediaKind::video &&
      choose (media).offered != nullptr;
}

GstElement *
VideoTrackFactory::make_receive_chain (const OfferedMedia & media,
    const char *encoding, GstCaps * output_caps) const
{
  VideoCodec codec = choose (media).codec;
  if (encoding && g_ascii_strcasecmp (encoding, "VP8") == 0)
    codec = VideoCodec::vp8;
  else if (encoding && g_ascii_strcasecmp (encoding, "H264") == 0 &&
      h264_elements_available ())
    codec = VideoCodec::h264;
  else if (encoding)
    return nullptr;
  GstElement *e[5];
  GstElement *bin = codec == VideoCodec::h264 ?
      make_chain_bin ({"rtph264depay", "h264parse", "openh264dec",
          "videoconvert", "capsfilter"}, e) :
      make_chain_bin ({"rtpvp8depay", "vp8dec", "videoconvert", "capsfilter"},
      e);
  if (!bin)
    return nullptr;
  GstElement *decoder = e[codec == VideoCodec::h264 ? 2 : 1];
  GstElement *capsfilter = e[codec == VideoCodec::h264 ? 4 : 3];
  /* A lost packet: ask for a keyframe at once (the peer's gate lets one
   * through per KeyframeRequests::kMinIntervalUs). */
  g_object_set (e[0], "request-keyframe", TRUE, NULL);
  /* A decoder error (a lost keyframe) is a warning, not the peer's end:
   * the decoder asks for a keyframe, which heals it. */
  g_object_set (decoder, "max-errors", -1, NULL);
  g_object_set (capsfilter, "caps", output_caps, NULL);
  return bin;
}

GstElement *
VideoTrackFactory::make_send_chain (const OfferedMedia & media,
    const PeerSettings & settings, GstElement ** appsrc) const
{
  const VideoCodecChoice codec = choose (media);
  if (!codec.offered)
    return nullptr;
  const bool h264 = codec.codec == VideoCodec::h264;
  GstElement *e[6];
  GstElement *bin = make_chain_bin ({"appsrc", "videoconvert", "videoscale",
          "capsfilter", h264 ? "openh264enc" : "vp8enc",
          h264 ? "rtph264pay" : "rtpvp8pay"}, e);
  if (!bin)
    return nullptr;
  /* What the session sends (its caps come with each sample), stamped by
   * the peer's SendClock by frame time, on the audio's timeline, not on
   * arrival. Frames wait here as long as audio stands ahead of its media
   * time (webrtcbin sends each when its PTS is due): up to 500 ms of
   * them, 8 MiB at most, the oldest dropped first past that. */
  g_object_set (e[0], "format", GST_FORMAT_TIME, "is-live", TRUE,
      "do-timestamp", FALSE, "max-buffers", (guint64) 0, "max-bytes",
      (guint64) 8 << 20, "max-time", (guint64) 500 * GST_MSECOND,
      "leaky-type", GST_APP_LEAKY_TYPE_DOWNSTREAM, NULL);
  /* The framerate is kept by the sender (PeerSender drops frames that
   * come too soon): videorate asserts on the variable framerate (0/1) of
   * frames decoded from RTP. */
  GstCaps *limit = gst_caps_new_simple ("video/x-raw",
      "format", G_TYPE_STRING, "I420",
      "width", GST_TYPE_INT_RANGE, 16, (gint) settings.video_max_width,
      "height", GST_TYPE_INT_RANGE, 16, (gint) settings.video_max_height,
      "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (e[3], "caps", limit, NULL);
  gst_caps_unref (limit);
  /* A keyframe on a receiver's PLI/FIR (webrtcbin sends the request up
   * through the payloader), at most one per kEncoderMinKeyframeInterval. */
  g_object_set (e[4], "min-force-key-unit-interval",
      (guint64) kEncoderMinKeyframeInterval, NULL);
  if (h264) {
    /* Realtime: the fastest settings, one thread, a fixed bitrate, an
     * IDR at least every 60 frames; SPS and PPS before every IDR, NAL
     * units aggregated only up to a picture. */
    g_object_set (e[4], "complexity", 0, "rate-control", 1, "bitrate",
        (guint) (settings.video_bitrate * 1000), "gop-size", 60,
        "multi-thread", 1, NULL);
    g_object_set (e[5], "pt", codec.offered->payload_type,
        "config-interval", -1, "aggregate-mode", 1, NULL);
    *appsrc = e[0];
    return bin;
  }
  /* Realtime: one pass, no look-ahead, a keyframe at least every 60
   * frames. */
  g_object_set (e[4], "deadline", (gint64) 1, "cpu-used", 8,
      "lag-in-frames", 0, "target-bitrate",
      (gint) (settings.video_bitrate * 1000), "keyframe-max-dist", 60,
      "error-resilient", 1, "threads", 1, NULL);
  g_object_set (e[5], "pt", codec.offered->payload_type,
      "picture-id-mode", 2, NULL);
  *appsrc = e[0];
  return bin;
}
