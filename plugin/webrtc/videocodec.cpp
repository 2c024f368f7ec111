/* Which codec a WebRTC peer's video speaks.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/videocodec.h"

#include <gst/gst.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

const char *
video_codec_name (VideoCodec codec)
{
  return codec == VideoCodec::h264 ? "H264" : "VP8";
}

const OfferedCodec *
first_video_codec (const OfferedMedia & media)
{
  for (const auto & c : media.codecs) {
    const char *n = c.name.c_str ();
    if (g_ascii_strcasecmp (n, "rtx") != 0 &&
        g_ascii_strcasecmp (n, "red") != 0 &&
        g_ascii_strcasecmp (n, "ulpfec") != 0 &&
        g_ascii_strncasecmp (n, "flexfec", 7) != 0)
      return &c;
  }
  return nullptr;
}

bool
h264_usable (const OfferedCodec & codec)
{
  if (g_ascii_strcasecmp (codec.name.c_str (), "H264") != 0 ||
      codec.fmtp_parameter ("packetization-mode") != "1")
    return false;
  std::string id = codec.fmtp_parameter ("profile-level-id");
  if (id.empty ())
    return true;                /* 420010: baseline (RFC 6184, 8.1) */
  if (id.size () != 6 || id.find_first_not_of ("0123456789abcdefABCDEF") !=
      std::string::npos)
    return false;
  const unsigned long value = strtoul (id.c_str (), nullptr, 16);
  const unsigned profile_idc = (value >> 16) & 0xff;
  const unsigned constraints = (value >> 8) & 0xff;
  /* Baseline, constrained or not; constrained baseline as Main or
   * Extended with constraint_set0_flag (RFC 6184, table 5). */
  return profile_idc == 0x42 ||
      ((profile_idc == 0x4d || profile_idc == 0x58) && (constraints & 0x80));
}

VideoCodecChoice
choose_video_codec (const OfferedMedia & media, bool h264_available)
{
  VideoCodecChoice choice;
  const OfferedCodec *h264 = nullptr;
  if (h264_available)
    for (const auto & c : media.codecs)
      if (h264_usable (c)) {
        h264 = &c;
        break;
      }
  const OfferedCodec *vp8 = media.find_codec ("VP8");
  const OfferedCodec *first = first_video_codec (media);
  if (h264 && (!vp8 || (first && g_ascii_strcasecmp (first->name.c_str (),
                  "H264") == 0))) {
    choice.codec = VideoCodec::h264;
    choice.offered = h264;
  } else if (vp8) {
    choice.offered = vp8;
  }
  return choice;
}

void
restore_h264_profile (GstSDPMessage * answer, const Offer & offer)
{
  const guint n = MIN (gst_sdp_message_medias_len (answer),
      (guint) offer.media.size ());
  for (guint i = 0; i < n; i++) {
    auto *media = const_cast<GstSDPMedia *> (gst_sdp_message_get_media
        (answer, i));
    for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, j);
      int pt = -1;
      if (g_strcmp0 (a->key, "fmtp") != 0 || !a->value ||
          sscanf (a->value, "%d", &pt) != 1 ||
          strstr (a->value, "profile-level-id"))
        continue;
      const OfferedCodec *offered = nullptr;
      for (const auto & c : offer.media[i].codecs)
        if (c.payload_type == pt)
          offered = &c;
      /* Usable: its profile-level-id is six hex digits (or none). */
      if (!offered || !h264_usable (*offered))
        continue;
      std::string id = offered->fmtp_parameter ("profile-level-id");
      if (id.empty ())
        continue;
      std::string value = std::string (a->value) + ";profile-level-id=" + id;
      GstSDPAttribute attr;
      gst_sdp_attribute_set (&attr, "fmtp", value.c_str ());
      gst_sdp_media_replace_attribute (media, j, &attr);
    }
  }
}

bool
h264_elements_available ()
{
  static const bool available = [] {
    for (const char *name : {"openh264enc", "openh264dec", "h264parse",
            "rtph264pay", "rtph264depay"}) {
      GstElementFactory *f = gst_element_factory_find (name);
      if (!f)
        return false;
      gst_object_unref (f);
    }
    return true;
  }();
  return available;
}
