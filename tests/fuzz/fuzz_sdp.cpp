/* libFuzzer target: what sessionsrc reads from a WebRTC offer's SDP
 * (plugin/webrtc/offerinspect.h), as it does it: parse_offer, then
 * drop_inconsistent_bundle before webrtcbin sees it.
 *
 * Input: the SDP text. Oracles:
 * - an offer accepted has audio and an Opus payload type; one refused
 *   says why (code and detail);
 * - dropping an inconsistent BUNDLE group leaves the audio m-line as it
 *   was, and leaves nothing to drop a second time;
 * - ASan/UBSan, G_DEBUG=fatal-criticals: no overrun, no GLib critical.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define FUZZ_GST_INIT
#include "fuzzcheck.h"
#include "webrtc/offerinspect.h"

#include <gst/gst.h>

#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  /* The text as the signalling request carries it: a C string. */
  const std::string text (reinterpret_cast<const char *> (data), size);
  OfferInfo info;
  const char *code = nullptr, *detail = nullptr;
  GstSDPMessage *sdp = parse_offer (text.c_str (), &info, &code, &detail);
  if (!sdp) {
    CHECK (code && detail);
    return 0;
  }
  CHECK (info.has_audio && info.opus_pt >= 0);
  drop_inconsistent_bundle (sdp);
  OfferInfo after = inspect_offer (sdp);
  CHECK (after.has_audio == info.has_audio && after.opus_pt == info.opus_pt
      && after.client_receives == info.client_receives);
  CHECK (!drop_inconsistent_bundle (sdp));
  gst_sdp_message_free (sdp);
  return 0;
}
