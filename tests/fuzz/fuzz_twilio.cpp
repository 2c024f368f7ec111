/* libFuzzer target: Twilio's request signature and the public URL checks
 * (src/internal/http/twiliosignature.h, publicurl.h), what the webhook and
 * the media upgrade run over client input (Host, X-Forwarded-Host, the
 * form body, the signature header).
 *
 * Input: "URL\nTOKEN\nBODY" (missing parts empty). Oracles:
 * - a form that parses, written again with every byte escaped, parses to
 *   the same pairs;
 * - a signature is 28 base64 characters, the same for the pairs in any
 *   order, valid for the URL and for each of its variants, and no longer
 *   valid with a character changed or under another token;
 * - an authority or public URL that is accepted round-trips: the URL
 *   made of it parses to the same parts.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzzcheck.h"
#include "http/publicurl.h"
#include "http/twiliosignature.h"

#include <cstring>
#include <string>

using namespace sessionctx;

namespace {

std::string
escape_all (const std::string & s)
{
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

/* The next '\n'-ended part of @data from @pos (the rest when none). */
std::string
part (const uint8_t * data, size_t size, size_t *pos)
{
  size_t start = *pos;
  while (*pos < size && data[*pos] != '\n')
    (*pos)++;
  std::string out (reinterpret_cast<const char *> (data) + start,
      *pos - start);
  if (*pos < size)
    (*pos)++;
  return out;
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  size_t pos = 0;
  std::string url = part (data, size, &pos);
  std::string token = part (data, size, &pos);
  std::string body (reinterpret_cast<const char *> (data) + pos, size - pos);

  FormParams params;
  if (parse_form (body.data (), body.size (), &params)) {
    std::string again;
    for (auto &[name, value] : params) {
      if (!again.empty ())
        again += '&';
      again += escape_all (name) + '=' + escape_all (value);
    }
    FormParams back;
    CHECK (parse_form (again.data (), again.size (), &back));
    /* An empty name with an empty value is written "=": one pair again. */
    CHECK (back == params);
  } else {
    params.clear ();
  }

  std::string sig = twilio_signature (url, params, token);
  CHECK (sig.size () == 28 && sig[27] == '=');
  FormParams reversed (params.rbegin (), params.rend ());
  CHECK (twilio_signature (url, reversed, token) == sig);
  CHECK (twilio_signature_valid (url, params, token, sig.c_str ()) ==
      !token.empty ());
  std::string changed = sig;
  changed[0] = changed[0] == 'A' ? 'B' : 'A';
  CHECK (!twilio_signature_valid (url, params, token, changed.c_str ()));
  CHECK (!twilio_signature_valid (url, params, token + "x", sig.c_str ()));
  CHECK (!twilio_signature_valid (url, params, token, nullptr));
  auto variants = twilio_url_variants (url);
  CHECK (!variants.empty () && variants[0] == url && variants.size () <= 2);
  for (auto & v : variants)
    CHECK (twilio_signature_valid (url, params, token, twilio_signature (v,
                params, token).c_str ()) == !token.empty ());

  if (valid_authority (url.data (), url.size ())) {
    PublicUrl p;
    CHECK (parse_public_url ("https://" + url, &p));
    CHECK (p.authority == url && p.prefix.empty ());
  }
  PublicUrl p;
  if (parse_public_url (url, &p) && !p.empty ()) {
    CHECK (p.scheme == "http" || p.scheme == "https");
    CHECK (valid_authority (p.authority.data (), p.authority.size ()));
    CHECK (p.prefix.empty () || (p.prefix[0] == '/' &&
            p.prefix.back () != '/'));
    PublicUrl q;
    CHECK (parse_public_url (p.url (""), &q));
    CHECK (q.scheme == p.scheme && q.authority == p.authority &&
        q.prefix == p.prefix);
  }
  return 0;
}
