/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http/publicurl.h"

#include <glib.h>

#include <cstring>

namespace sessionctx {
namespace {

constexpr size_t kMaxAuthority = 261;   /* 255-byte name, ':', 5 digits */

bool
host_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_';
}

/* RFC 3986 pchar, and '/' (a path). */
bool
path_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' &&
      strchr ("/-._~!$&'()*+,;=:@%", c) != nullptr);
}

}  // namespace

std::string
PublicUrl::url (const std::string & path, const char *query) const
{
  std::string out = scheme + "://" + authority + prefix + path;
  if (query) {
    out += '?';
    out += query;
  }
  return out;
}

bool
valid_authority (const char *text, size_t len)
{
  if (len == 0 || len > kMaxAuthority)
    return false;
  size_t i = 0;
  if (text[0] == '[') {
    for (i = 1; i < len && text[i] != ']'; i++)
      if (!g_ascii_isxdigit (text[i]) && text[i] != ':' && text[i] != '.')
        return false;
    if (i == len || i == 1)
      return false;
    i++;                        /* past ']' */
  } else {
    while (i < len && host_char (text[i]))
      i++;
    if (i == 0)
      return false;
  }
  if (i == len)
    return true;
  if (text[i] != ':' || len - i - 1 < 1 || len - i - 1 > 5)
    return false;
  unsigned port = 0;
  for (i++; i < len; i++) {
    if (!g_ascii_isdigit (text[i]))
      return false;
    port = port * 10 + (text[i] - '0');
  }
  return port <= 65535;
}

bool
parse_public_url (const std::string & text, PublicUrl * out)
{
  *out = PublicUrl ();
  if (text.empty ())
    return true;
  size_t sep = text.find ("://");
  if (sep == std::string::npos)
    return false;
  std::string scheme = text.substr (0, sep);
  for (auto & c : scheme)
    c = g_ascii_tolower (c);
  if (scheme != "http" && scheme != "https")
    return false;
  size_t begin = sep + 3;
  size_t end = text.find ('/', begin);
  if (end == std::string::npos)
    end = text.size ();
  if (!valid_authority (text.data () + begin, end - begin))
    return false;
  std::string prefix = text.substr (end);
  for (char c : prefix)
    if (!path_char (c))
      return false;             /* '?', '#', spaces, controls, non-ASCII */
  while (!prefix.empty () && prefix.back () == '/')
    prefix.pop_back ();
  out->scheme = scheme;
  out->authority = text.substr (begin, end - begin);
  out->prefix = prefix;
  return true;
}

const char *
websocket_scheme (const std::string & http_scheme)
{
  return http_scheme == "https" ? "wss" : "ws";
}

}  // namespace sessionctx
