/* What sessionsrc reads from a WebRTC client's SDP offer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/offerinspect.h"

#include "wire/protocol.h"

#include <cstdio>
#include <string>

bool
drop_inconsistent_bundle (GstSDPMessage * sdp)
{
  std::string first;
  bool differ = false;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const gchar *ufrag = gst_sdp_media_get_attribute_val (
        gst_sdp_message_get_media (sdp, i), "ice-ufrag");
    if (!ufrag)
      ufrag = gst_sdp_message_get_attribute_val (sdp, "ice-ufrag");
    if (!ufrag)
      continue;
    if (first.empty ())
      first = ufrag;
    else if (first != ufrag)
      differ = true;
  }
  if (!differ)
    return false;
  bool dropped = false;
  for (guint i = gst_sdp_message_attributes_len (sdp); i > 0; i--) {
    const GstSDPAttribute *a = gst_sdp_message_get_attribute (sdp, i - 1);
    if (g_strcmp0 (a->key, "group") == 0 && a->value &&
        g_str_has_prefix (a->value, "BUNDLE")) {
      gst_sdp_message_remove_attribute (sdp, i - 1);
      dropped = true;
    }
  }
  return dropped;
}

OfferInfo
inspect_offer (const GstSDPMessage * sdp)
{
  OfferInfo info;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);
    if (g_strcmp0 (gst_sdp_media_get_media (m), "audio") != 0 ||
        gst_sdp_media_get_port (m) == 0)
      continue;
    info.has_audio = true;
    for (guint j = 0; j < gst_sdp_media_attributes_len (m); j++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, j);
      if (g_strcmp0 (a->key, "rtpmap") == 0 && a->value) {
        int pt;
        char name[32];
        if (sscanf (a->value, "%d %31[^/]", &pt, name) == 2 &&
            g_ascii_strcasecmp (name, "opus") == 0 && info.opus_pt < 0)
          info.opus_pt = pt;
      } else if (g_strcmp0 (a->key, "sendonly") == 0 ||
          g_strcmp0 (a->key, "inactive") == 0) {
        info.client_receives = false;
      }
    }
    break;                      /* the first audio m-line */
  }
  return info;
}

GstSDPMessage *
parse_offer (const char *text, OfferInfo * info, const char **code,
    const char **detail)
{
  GstSDPMessage *sdp = nullptr;
  /* gst_sdp_message_new_from_text () would be critical about "". */
  if (!*text || gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK ||
      gst_sdp_message_medias_len (sdp) == 0) {
    if (sdp)
      gst_sdp_message_free (sdp);
    *code = sessionctx::error::invalid_sdp;
    *detail = "offer SDP does not parse or has no media";
    return nullptr;
  }
  *info = inspect_offer (sdp);
  if (!info->has_audio || info->opus_pt < 0) {
    gst_sdp_message_free (sdp);
    *code = sessionctx::error::no_audio;
    *detail = info->has_audio ? "offer has no Opus audio" :
        "offer has no audio m-line";
    return nullptr;
  }
  return sdp;
}
