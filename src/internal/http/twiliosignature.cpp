/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http/twiliosignature.h"

#include <glib.h>

#include <algorithm>
#include <cstring>

namespace sessionctx {
namespace {

/* One name or value of a form: '+' is a space, %XX a byte. */
bool
form_decode (const char *s, size_t len, std::string * out)
{
  out->clear ();
  out->reserve (len);
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '+') {
      *out += ' ';
    } else if (c == '%') {
      if (i + 2 >= len)
        return false;
      int hi = g_ascii_xdigit_value (s[i + 1]);
      int lo = g_ascii_xdigit_value (s[i + 2]);
      if (hi < 0 || lo < 0)
        return false;
      *out += (char) (hi << 4 | lo);
      i += 2;
    } else {
      *out += c;
    }
  }
  return true;
}

/* Whether @given equals @expected, in a time that depends only on
 * @expected's length (access.h's token_equal, kept here so that this file
 * needs nothing but GLib: the fuzzer links it alone). */
bool
equal_in_constant_time (const char *given, size_t given_len,
    const std::string & expected)
{
  volatile unsigned char diff = given_len != expected.size ();
  for (size_t i = 0; i < expected.size (); i++) {
    unsigned char g = i < given_len ? (unsigned char) given[i] : 0;
    diff = diff | (unsigned char) (g ^ (unsigned char) expected[i]);
  }
  return !expected.empty () && diff == 0;
}

/* Where the authority of "scheme://authority/..." begins and ends in
 * @url; false when @url has no "://". */
bool
authority_of (const std::string & url, size_t *begin, size_t *end)
{
  size_t sep = url.find ("://");
  if (sep == std::string::npos)
    return false;
  *begin = sep + 3;
  *end = url.find_first_of ("/?#", *begin);
  if (*end == std::string::npos)
    *end = url.size ();
  return true;
}

}  // namespace

bool
parse_form (const char *data, size_t len, FormParams * out)
{
  out->clear ();
  size_t start = 0;
  while (start < len) {
    const char *amp = static_cast<const char *> (memchr (data + start, '&',
            len - start));
    size_t end = amp ? (size_t) (amp - data) : len;
    if (end > start) {
      const char *piece = data + start;
      size_t n = end - start;
      const char *eq = static_cast<const char *> (memchr (piece, '=', n));
      size_t name_len = eq ? (size_t) (eq - piece) : n;
      std::string name, value;
      if (!form_decode (piece, name_len, &name))
        return false;
      if (eq && !form_decode (eq + 1, n - name_len - 1, &value))
        return false;
      out->emplace_back (std::move (name), std::move (value));
    }
    start = end + 1;
  }
  return true;
}

std::string
twilio_signature (const std::string & url, const FormParams & params,
    const std::string & token)
{
  /* std::string compares as unsigned bytes: UTF-8's byte order is its
   * code points' order, the order Twilio's libraries sort in. */
  FormParams sorted (params);
  std::sort (sorted.begin (), sorted.end ());
  GHmac *hmac = g_hmac_new (G_CHECKSUM_SHA1,
      reinterpret_cast<const guchar *> (token.data ()), token.size ());
  g_hmac_update (hmac, reinterpret_cast<const guchar *> (url.data ()),
      url.size ());
  for (auto &[name, value] : sorted) {
    g_hmac_update (hmac, reinterpret_cast<const guchar *> (name.data ()),
        name.size ());
    g_hmac_update (hmac, reinterpret_cast<const guchar *> (value.data ()),
        value.size ());
  }
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  g_hmac_get_digest (hmac, digest, &digest_len);
  g_hmac_unref (hmac);
  gchar *b64 = g_base64_encode (digest, digest_len);
  std::string out (b64);
  g_free (b64);
  return out;
}

std::vector<std::string>
twilio_url_variants (const std::string & url)
{
  std::vector<std::string> out { url };
  size_t begin, end;
  if (!authority_of (url, &begin, &end))
    return out;
  /* The port: digits after the last ':' that is not inside [IPv6]. */
  size_t bracket = url.rfind (']', end);
  size_t colon = url.rfind (':', end - 1);
  bool has_port = colon != std::string::npos && colon >= begin &&
      colon < end && (bracket == std::string::npos || bracket < begin ||
      colon > bracket);
  if (has_port) {
    for (size_t i = colon + 1; i < end; i++)
      if (!g_ascii_isdigit (url[i]))
        return out;
    out.push_back (url.substr (0, colon) + url.substr (end));
  } else if (end > begin) {
    std::string scheme = url.substr (0, begin - 3);
    const char *port = nullptr;
    if (scheme == "https" || scheme == "wss")
      port = ":443";
    else if (scheme == "http" || scheme == "ws")
      port = ":80";
    if (port)
      out.push_back (url.substr (0, end) + port + url.substr (end));
  }
  return out;
}

bool
twilio_signature_valid (const std::string & url, const FormParams & params,
    const std::string & token, const char *given)
{
  if (!given || token.empty ())
    return false;
  const size_t given_len = strlen (given);
  bool valid = false;
  /* Every variant is compared, whichever matches. */
  for (auto & u : twilio_url_variants (url))
    valid |= equal_in_constant_time (given, given_len, twilio_signature (u,
            params, token));
  return valid;
}

}  // namespace sessionctx
