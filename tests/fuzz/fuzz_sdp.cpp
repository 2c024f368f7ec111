/* libFuzzer target: what sessionsrc reads from a WebRTC offer's SDP
 * (plugin/webrtc/offerinspect.h), as it does it: parse_offer, then
 * drop_inconsistent_bundle before webrtcbin sees it.
 *
 * Input: the SDP text. Oracles:
 * - an offer accepted lists every m-line by index, audio and video ones
 *   with their kind; its first audio m-line has an Opus payload type, or
 *   it has none and its first video m-line has VP8
 *   (0..); one refused says why (code and detail);
 * - dropping an inconsistent BUNDLE group leaves every m-line as it was,
 *   and leaves nothing to drop a second time;
 * - the video codec chosen (plugin/webrtc/videocodec.h) is one of the
 *   m-line's, H.264 only if usable (then its profile-level-id, if any, is
 *   six hex digits); restoring H.264 profiles into the offer as if it were
 *   an answer leaves it parsing to the same m-lines, no fmtp value holding
 *   a line break;
 * - ASan/UBSan, G_DEBUG=fatal-criticals: no overrun, no GLib critical.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define FUZZ_GST_INIT
#include "fuzzcheck.h"
#include "webrtc/offerinspect.h"
#include "webrtc/videocodec.h"

#include <gst/gst.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

bool
same_media (const OfferedMedia & a, const OfferedMedia & b)
{
  if (a.media != b.media || a.kind != b.kind || a.mid != b.mid ||
      a.mline_index != b.mline_index || a.disabled != b.disabled ||
      a.direction != b.direction || a.codecs.size () != b.codecs.size ())
    return false;
  for (size_t i = 0; i < a.codecs.size (); i++)
    if (a.codecs[i].name != b.codecs[i].name ||
        a.codecs[i].payload_type != b.codecs[i].payload_type ||
        a.codecs[i].clock_rate != b.codecs[i].clock_rate ||
        a.codecs[i].channels != b.codecs[i].channels ||
        a.codecs[i].fmtp != b.codecs[i].fmtp)
      return false;
  return true;
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  /* The text as the signalling request carries it: a C string. */
  const std::string text (reinterpret_cast<const char *> (data), size);
  Offer offer;
  const char *code = nullptr, *detail = nullptr;
  GstSDPMessage *sdp = parse_offer (text.c_str (), &offer, &code, &detail);
  if (!sdp) {
    CHECK (code && detail);
    return 0;
  }
  CHECK (offer.media.size () == gst_sdp_message_medias_len (sdp));
  for (size_t i = 0; i < offer.media.size (); i++) {
    const OfferedMedia & m = offer.media[i];
    CHECK (m.mline_index == (int) i);
    CHECK (m.kind.has_value () == (m.media == "audio" || m.media == "video"));
    for (const auto & c : m.codecs)
      CHECK (c.payload_type >= 0 && !c.name.empty ());
    for (bool h264 : {false, true}) {
      VideoCodecChoice choice = choose_video_codec (m, h264);
      if (!choice.offered)
        continue;
      CHECK (choice.offered >= m.codecs.data () &&
          choice.offered < m.codecs.data () + m.codecs.size ());
      if (choice.codec == VideoCodec::h264) {
        CHECK (h264 && h264_usable (*choice.offered));
        std::string id = choice.offered->fmtp_parameter ("profile-level-id");
        CHECK (id.empty () || (id.size () == 6 &&
                id.find_first_not_of ("0123456789abcdefABCDEF") ==
                std::string::npos));
      } else {
        CHECK (g_ascii_strcasecmp (choice.offered->name.c_str (), "VP8") == 0);
      }
    }
  }
  const OfferedMedia *audio = offer.first (sessionctx::MediaKind::audio);
  if (audio) {
    CHECK (audio->media == "audio" && !audio->disabled);
    const OfferedCodec *opus = audio->find_codec ("opus");
    CHECK (opus && opus->payload_type >= 0);
  } else {
    const OfferedMedia *video = offer.first (sessionctx::MediaKind::video);
    CHECK (video && video->media == "video" && !video->disabled);
    const OfferedCodec *vp8 = video->find_codec ("vp8");
    CHECK (vp8 && vp8->payload_type >= 0);
  }
  const bool dropped = drop_inconsistent_bundle (sdp);
  Offer after = inspect_offer (sdp);
  CHECK (after.media.size () == offer.media.size ());
  for (size_t i = 0; i < offer.media.size (); i++)
    CHECK (same_media (after.media[i], offer.media[i]));
  CHECK (after.bundle == (offer.bundle && !dropped));
  CHECK (!drop_inconsistent_bundle (sdp));
  restore_h264_profile (sdp, offer);
  Offer restored = inspect_offer (sdp);
  CHECK (restored.media.size () == offer.media.size ());
  for (size_t i = 0; i < restored.media.size (); i++) {
    CHECK (restored.media[i].codecs.size () == offer.media[i].codecs.size ());
    for (const auto & c : restored.media[i].codecs)
      CHECK (c.fmtp.find_first_of ("\r\n") == std::string::npos);
  }
  gst_sdp_message_free (sdp);
  return 0;
}
