/* libFuzzer target: the signalling request parser (POST /webrtc/offer body
 * → SignalRequest, src/internal/wire/protocol.h), then the offer's SDP as
 * sessionsrc reads it (plugin/webrtc/offerinspect.h).
 *
 * Input: a request body. Oracles:
 * - a request is refused with a status and, unless 422, an error code
 *   (the failed reply is built from it);
 * - an accepted one has a valid session id; a candidate starts with
 *   "candidate:" (or is the empty end-of-candidates) and its m-line index
 *   is within 0..64;
 * - every string it keeps is UTF-8 without NUL;
 * - from valid JSON, every reply built from the client's strings (422
 *   detail, failed reply, the answer carrying SDP) is valid JSON.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define FUZZ_GST_INIT
#include "fuzzcheck.h"
#include "webrtc/offerinspect.h"
#include "wire/protocol.h"
#include "strictjson.h"

#include <gst/gst.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace sessionctx;

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  /* Exactly as long on the heap: ASan sees a read past the body. */
  std::vector<char> body (data, data + size);
  SignalRequest r = parse_signal_request (body.empty () ? "" : body.data (),
      body.size ());
  const bool json = StrictJson::valid (std::string (body.begin (),
          body.end ()));

  /* Whatever it keeps of the client's is UTF-8 (NUL-free: C strings). */
  for (const std::string * str : {&r.id, &r.sdp, &r.candidate, &r.sdp_mid,
          &r.detail})
    CHECK (g_utf8_validate (str->data (), (gssize) str->size (), nullptr));

  switch (r.kind) {
    case SignalKind::invalid:
      CHECK (r.http_status != 200 || r.error);
      CHECK (r.http_status == 422 || r.error);
      CHECK (!r.detail.empty ());
      if (json) {
        CHECK (StrictJson::valid ("{\"detail\":" + json_quote (r.detail) +
                "}"));
        if (r.error)
          CHECK (StrictJson::valid (failed_reply (r.error)));
      }
      return 0;
    case SignalKind::offer:{
      CHECK (r.http_status == 200 && !r.error);
      CHECK (check_session_id (r.id) == nullptr);
      if (json)
        CHECK (StrictJson::valid (answer_reply (r.sdp)));
      Offer offer;
      const char *code = nullptr, *detail = nullptr;
      GstSDPMessage *sdp = parse_offer (r.sdp.c_str (), &offer, &code,
          &detail);
      if (sdp) {
        const OfferedMedia *audio = offer.first (MediaKind::audio);
        const OfferedMedia *video = offer.first (MediaKind::video);
        if (audio)
          CHECK (audio->find_codec ("opus") &&
              audio->find_codec ("opus")->payload_type >= 0);
        else
          CHECK (video && video->find_codec ("vp8") &&
              video->find_codec ("vp8")->payload_type >= 0);
        drop_inconsistent_bundle (sdp);
        gst_sdp_message_free (sdp);
      } else {
        CHECK (code && detail);
      }
      return 0;
    }
    case SignalKind::candidate:
      CHECK (r.http_status == 200 && !r.error);
      CHECK (check_session_id (r.id) == nullptr);
      CHECK (r.candidate.empty () || g_str_has_prefix (r.candidate.c_str (),
              "candidate:"));
      CHECK (r.candidate.empty () || (r.sdp_mline_index >= 0 &&
              r.sdp_mline_index <= 64));
      return 0;
  }
  CHECK (!"unknown kind");
  return 0;
}
