/* libFuzzer target: the signalling request parser (POST /webrtc/offer body
 * → SignalRequest, src/internal/wire/protocol.h), then the offer's SDP as
 * sessionsrc reads it (plugin/webrtc/offerinspect.h); and the session
 * API's request parsing (src/internal/http/apirequest.h): the input as a
 * path (GET, POST, DELETE), as a message body and as a Content-Type.
 *
 * Input: a request body (or path). Oracles:
 * - a request is refused with a status and, unless 422, an error code
 *   (the failed reply is built from it);
 * - an accepted one has a valid session id; a candidate starts with
 *   "candidate:" (or is the empty end-of-candidates) and its m-line index
 *   is within 0..64;
 * - every string it keeps is UTF-8 without NUL;
 * - from valid JSON, every reply built from the client's strings (422
 *   detail, failed reply, the answer carrying SDP) is valid JSON;
 * - session API path: answered 200, 400, 404 or 405 (405 with Allow); a
 *   route taken has a valid id (check_session_id, UTF-8) that, encoded
 *   again, parses to itself; a refusal keeps no id and its failed reply
 *   is valid JSON;
 * - session API body: a message is taken exactly when it is a JSON object
 *   (the strict validator, nesting under simdjson's depth limit) of at
 *   most kApiMaxBody bytes; a Content-Type is taken or answered 415;
 * - cluster directory (src/internal/cluster/clusterentry.h,
 *   clusterurls.h): the input as a value read back from Redis is taken
 *   only when it starts with an instance URL that checks and a newline,
 *   is at most kMaxClusterEntry bytes, and then the entry is valid JSON
 *   (the strict validator) with the key's id and that instance; the
 *   context made of it (cluster_entry_context: the RTP extension's
 *   directory) has a remote address of at most kMaxClusterRemote bytes of
 *   UTF-8 without control characters; as a
 *   `directory` URL, a taken one has a host and a port 1..65535; as an
 *   `instance-url`, a taken one is printable ASCII, http(s), and checks
 *   again as itself.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define FUZZ_GST_INIT
#include "fuzzcheck.h"
#include "cluster/clusterentry.h"
#include "cluster/clusterurls.h"
#include "http/apirequest.h"
#include "webrtc/offerinspect.h"
#include "wire/protocol.h"
#include "strictjson.h"

#include <gst/gst.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

using namespace sessionctx;

namespace {

/* Deepest nesting of brackets outside strings (simdjson refuses over
 * 1024; the strict validator has no limit). */
size_t
nesting (const std::string & text)
{
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size (); i++) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max (deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth) {
      depth--;
    }
  }
  return deepest;
}

/* Whether every number of @text (outside its strings) is one the server's
 * JSON parser (simdjson) represents: an integer within int64 (negative) or
 * uint64, any other number finite as a double. The session API refuses a
 * message with another (RFC 8259, 6: an implementation may limit them). */
bool
numbers_representable (const std::string & text)
{
  bool in_string = false;
  for (size_t i = 0; i < text.size (); i++) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9'))
      continue;
    size_t end = i;
    bool real = false;
    while (end < text.size () && strchr ("+-0123456789.eE", text[end])) {
      real = real || strchr (".eE", text[end]);
      end++;
    }
    const std::string token = text.substr (i, end - i);
    errno = 0;
    if (real) {
      double d = strtod (token.c_str (), nullptr);
      if (!std::isfinite (d))
        return false;
    } else if (token[0] == '-') {
      strtoll (token.c_str (), nullptr, 10);
    } else {
      strtoull (token.c_str (), nullptr, 10);
    }
    if (!real && errno == ERANGE)
      return false;
    i = end - 1;
  }
  return true;
}

bool
is_object (const std::string & text)
{
  size_t i = text.find_first_not_of (" \t\r\n");
  return i != std::string::npos && text[i] == '{';
}

std::string
percent_encode (const std::string & id)
{
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : id) {
    if (g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.') {
      out += (char) c;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/* The cluster directory's parsing of @input as a value read back, a
 * Redis URL and an instance URL. */
void
check_cluster (const std::vector<char> & input)
{
  const std::string text (input.begin (), input.end ());
  ClusterEntry e;
  if (parse_cluster_entry ("fuzz/é", input.empty ()? "" : input.data (),
          input.size (), &e)) {
    CHECK (input.size () <= kMaxClusterEntry);
    CHECK (text.compare (0, e.instance.size () + 1, e.instance + "\n") == 0);
    CHECK (check_instance_url (e.instance) == e.instance);
    CHECK (StrictJson::valid (e.session));
    CHECK (e.session.find ("\"id\":\"fuzz/") != std::string::npos);
    ClusterEntryContext c;
    if (cluster_entry_context (e, &c)) {
      CHECK (c.remote.size () <= kMaxClusterRemote);
      CHECK (g_utf8_validate (c.remote.data (), (gssize) c.remote.size (),
              nullptr));
      for (const char *p = c.remote.c_str (); *p; p = g_utf8_next_char (p))
        CHECK (!g_unichar_iscntrl (g_utf8_get_char (p)));
    }
  }
  RedisAddress a;
  if (parse_redis_url (text, &a))
    CHECK (!a.host.empty () && a.port >= 1 && a.port <= 65535);
  std::string url = check_instance_url (text);
  if (!url.empty ()) {
    CHECK (url.size () <= text.size ());
    CHECK (url.compare (0, 7, "http://") == 0 || url.compare (0, 8,
            "https://") == 0);
    for (unsigned char c : url)
      CHECK (c > 0x20 && c < 0x7F);
    CHECK (check_instance_url (url) == url);
  }
}

/* The session API's parsing of @input as a path, a body and a type. */
void
check_api (const std::vector<char> & input)
{
  const std::string text (input.begin (), input.end ());
  for (const char *method : {"GET", "POST", "DELETE"}) {
    ApiRequest r = parse_api_path (method, input.empty ()? "" :
        input.data (), input.size ());
    CHECK (r.status == 200 || r.status == 400 || r.status == 404 ||
        r.status == 405);
    if (r.status == 200) {
      CHECK (!r.error && r.route != ApiRoute::other);
      if (r.route == ApiRoute::list) {
        CHECK (r.id.empty ());
        continue;
      }
      CHECK (check_session_id (r.id) == nullptr);
      CHECK (g_utf8_validate (r.id.data (), (gssize) r.id.size (), nullptr));
      std::string again = "/sessions/" + percent_encode (r.id);
      if (r.route == ApiRoute::message)
        again += "/message";
      else if (r.route == ApiRoute::clear)
        again += "/clear";
      ApiRequest back = parse_api_path (method, again.data (), again.size ());
      CHECK (back.status == 200 && back.route == r.route && back.id == r.id);
      continue;
    }
    CHECK (r.error && !r.detail.empty () && r.id.empty ());
    CHECK ((r.status == 405) == (r.allow != nullptr));
    CHECK (StrictJson::valid (api_failed_reply (r.error, r.detail)));
  }

  ApiBody b = check_api_message ("application/json", input.empty ()? "" :
      input.data (), input.size ());
  if (input.size () > kApiMaxBody) {
    CHECK (b.status == 413);
  } else if (nesting (text) < 1000) {
    const bool message = StrictJson::valid (text) && is_object (text) &&
        numbers_representable (text);
    CHECK ((b.status == 200) == message);
  }
  if (b.status != 200)
    CHECK (b.error && StrictJson::valid (api_failed_reply (b.error,
                b.detail)));

  /* As a Content-Type (up to its first NUL). */
  ApiBody t = check_api_message (text.c_str (), "{}", 2);
  CHECK (t.status == 200 || t.status == 415);
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  /* Exactly as long on the heap: ASan sees a read past the body. */
  std::vector<char> body (data, data + size);
  check_api (body);
  check_cluster (body);
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
