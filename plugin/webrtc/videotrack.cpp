/* A WebRTC peer's video: VP8 RTP to the element's raw video and back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/videotrack.h"
#include "webrtc/peersettings.h"

#include <gst/app/gstappsrc.h>

bool
VideoTrackFactory::accepts (const OfferedMedia & media) const
{
  return media.kind == sessionctx::MediaKind::video &&
      media.find_codec ("vp8") != nullptr;
}

GstElement *
VideoTrackFactory::make_receive_chain (const OfferedMedia & media,
    GstCaps * output_caps) const
{
  GstElement *e[4];
  GstElement *bin = make_chain_bin ({"rtpvp8depay", "vp8dec", "videoconvert",
          "capsfilter"}, e);
  if (!bin)
    return nullptr;
  /* A decoder error (a lost keyframe) is a warning, not the peer's end:
   * the next keyframe heals it. */
  g_object_set (e[1], "max-errors", -1, NULL);
  g_object_set (e[3], "caps", output_caps, NULL);
  return bin;
}

GstElement *
VideoTrackFactory::make_send_chain (const OfferedMedia & media,
    const PeerSettings & settings, GstElement ** appsrc) const
{
  const OfferedCodec *vp8 = media.find_codec ("vp8");
  if (!vp8)
    return nullptr;
  GstElement *e[6];
  GstElement *bin = make_chain_bin ({"appsrc", "videoconvert", "videoscale",
          "capsfilter", "vp8enc", "rtpvp8pay"}, e);
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
  /* Realtime: one pass, no look-ahead, a keyframe at least every 2 s
   * (and on a receiver's PLI/FIR, through the payloader). */
  g_object_set (e[4], "deadline", (gint64) 1, "cpu-used", 8,
      "lag-in-frames", 0, "target-bitrate",
      (gint) (settings.video_bitrate * 1000), "keyframe-max-dist", 60,
      "error-resilient", 1, "threads", 1, NULL);
  g_object_set (e[5], "pt", vp8->payload_type, "picture-id-mode", 2, NULL);
  *appsrc = e[0];
  return bin;
}
