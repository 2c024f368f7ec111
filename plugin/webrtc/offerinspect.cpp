/* What sessionsrc reads from a WebRTC client's SDP offer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/offerinspect.h"

#include "wire/protocol.h"

#include <cstdio>
#include <cstring>
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

const char *
offer_direction_name (OfferDirection direction)
{
  switch (direction) {
    case OfferDirection::sendrecv:
      return "sendrecv";
    case OfferDirection::sendonly:
      return "sendonly";
    case OfferDirection::recvonly:
      return "recvonly";
    case OfferDirection::inactive:
      break;
  }
  return "inactive";
}

const OfferedCodec *
OfferedMedia::find_codec (const char *name) const
{
  for (const auto & c : codecs)
    if (g_ascii_strcasecmp (c.name.c_str (), name) == 0)
      return &c;
  return nullptr;
}

std::string
OfferedCodec::fmtp_parameter (const char *key) const
{
  std::string value;
  gchar **params = g_strsplit (fmtp.c_str (), ";", -1);
  for (gchar ** p = params; *p; p++) {
    gchar *eq = strchr (*p, '=');
    if (!eq)
      continue;
    *eq = '\0';
    if (g_ascii_strcasecmp (g_strstrip (*p), key) == 0) {
      value = g_strstrip (eq + 1);
      break;
    }
  }
  g_strfreev (params);
  return value;
}

const OfferedMedia *
Offer::first (sessionctx::MediaKind kind) const
{
  for (const auto & m : media)
    if (m.kind == kind && !m.disabled)
      return &m;
  return nullptr;
}

Offer
inspect_offer (const GstSDPMessage * sdp)
{
  Offer offer;
  for (guint i = 0; i < gst_sdp_message_attributes_len (sdp); i++) {
    const GstSDPAttribute *a = gst_sdp_message_get_attribute (sdp, i);
    if (g_strcmp0 (a->key, "group") == 0 && a->value &&
        g_str_has_prefix (a->value, "BUNDLE"))
      offer.bundle = true;
  }
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);
    OfferedMedia media;
    const char *name = gst_sdp_media_get_media (m);
    media.media = name ? name : "";
    sessionctx::MediaKind kind;
    if (sessionctx::media_kind_from_name (name, &kind) && !strchr (name, '/'))
      media.kind = kind;
    const char *mid = gst_sdp_media_get_attribute_val (m, "mid");
    media.mid = mid ? mid : "";
    media.mline_index = (int) i;
    /* Port 0 turns an m-line off, unless it is bundle-only (RFC 8843:
     * what max-bundle offers for every m-line but the first). */
    media.disabled = gst_sdp_media_get_port (m) == 0 &&
        !gst_sdp_media_get_attribute_val (m, "bundle-only");
    /* Whichever of its lines says so: the client does not send
     * (recvonly, inactive), does not receive (sendonly, inactive). */
    bool sends = true, receives = true;
    std::vector<std::pair<int, std::string>> fmtps;
    for (guint j = 0; j < gst_sdp_media_attributes_len (m); j++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, j);
      if (g_strcmp0 (a->key, "rtpmap") == 0 && a->value) {
        OfferedCodec codec;
        char encoding[32];
        int n = sscanf (a->value, "%d %31[^/]/%d/%d", &codec.payload_type,
            encoding, &codec.clock_rate, &codec.channels);
        if (n >= 2 && codec.payload_type >= 0) {
          codec.name = encoding;
          media.codecs.push_back (std::move (codec));
        }
      } else if (g_strcmp0 (a->key, "fmtp") == 0 && a->value) {
        int pt = -1, at = 0;
        if (sscanf (a->value, "%d %n", &pt, &at) == 1 && pt >= 0 && at > 0)
          fmtps.emplace_back (pt, a->value + at);
      } else if (g_strcmp0 (a->key, "sendonly") == 0) {
        receives = false;
      } else if (g_strcmp0 (a->key, "recvonly") == 0) {
        sends = false;
      } else if (g_strcmp0 (a->key, "inactive") == 0) {
        sends = receives = false;
      }
    }
    /* An fmtp line may come before its rtpmap line. */
    for (auto &[pt, params] : fmtps)
      for (auto & c : media.codecs)
        if (c.payload_type == pt && c.fmtp.empty ())
          c.fmtp = params;
    media.direction = sends ? (receives ? OfferDirection::sendrecv :
        OfferDirection::sendonly) : (receives ? OfferDirection::recvonly :
        OfferDirection::inactive);
    offer.media.push_back (std::move (media));
  }
  return offer;
}

GstSDPMessage *
parse_offer (const char *text, Offer * offer, const char **code,
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
  *offer = inspect_offer (sdp);
  /* Audio with Opus, or video with VP8 (a camera alone is a session too);
   * an audio m-line without Opus is refused even beside video: a client
   * that sends audio expects it heard. */
  const OfferedMedia *audio = offer->first (sessionctx::MediaKind::audio);
  const OfferedMedia *video = offer->first (sessionctx::MediaKind::video);
  if (audio ? !audio->find_codec ("opus") : !(video &&
          video->find_codec ("vp8"))) {
    gst_sdp_message_free (sdp);
    *code = sessionctx::error::no_audio;
    *detail = audio ? "offer has no Opus audio" :
        video ? "offer has no audio m-line and no VP8 video" :
        "offer has no audio or video m-line";
    return nullptr;
  }
  return sdp;
}
