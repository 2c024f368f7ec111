/* A decoded picture the WebRTC video tests look at pixel by pixel: taken
 * from an RGB buffer at a probe, its pixels' RGB, the distance between
 * two colours, and a camera of one solid colour.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/video/video.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace {

/* A decoded picture: its size and the RGB of its pixels. */
struct Picture
{
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;     /* packed, no padding: width * 3 a row */
  /* The RGB of the pixel at (@fx, @fy) (fractions of the size). */
  std::array<int, 3> at (double fx, double fy) const
  {
    int x = std::min (width - 1, (int) (fx * width));
    int y = std::min (height - 1, (int) (fy * height));
    const uint8_t *p = rgb.data () + (size_t) (y * width + x) * 3;
    return { p[0], p[1], p[2] };
  }
};

inline double
rgb_distance (const std::array<int, 3> & a, const std::array<int, 3> & b)
{
  double d = 0;
  for (int i = 0; i < 3; i++)
    d += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt (d);
}

/* videotestsrc of one solid colour (0xRRGGBB). */
inline std::string
solid_colour (guint32 rgb)
{
  return "videotestsrc is-live=true pattern=solid-color foreground-color=" +
      std::to_string (0xff000000u | rgb);
}

/* @buf, an RGB buffer at @pad (as its current caps say), into @p; false
 * when it cannot be read. */
inline bool
read_picture (GstPad * pad, GstBuffer * buf, Picture & p)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstVideoInfo vinfo;
  bool ok = caps && gst_video_info_from_caps (&vinfo, caps);
  if (caps)
    gst_caps_unref (caps);
  GstVideoFrame frame;
  if (!ok || !gst_video_frame_map (&frame, &vinfo, buf, GST_MAP_READ))
    return false;
  p.width = GST_VIDEO_FRAME_WIDTH (&frame);
  p.height = GST_VIDEO_FRAME_HEIGHT (&frame);
  p.rgb.resize ((size_t) p.width * p.height * 3);
  const auto *src = (const uint8_t *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  const size_t stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  for (int y = 0; y < p.height; y++)
    memcpy (&p.rgb[(size_t) y * p.width * 3], src + y * stride,
        (size_t) p.width * 3);
  gst_video_frame_unmap (&frame);
  return true;
}

}  // namespace
