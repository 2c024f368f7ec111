/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cluster/clusterurls.h"

#include <cstdlib>

namespace sessionctx {
namespace {

constexpr size_t kMaxInstanceUrl = 512;

bool
all_digits (const std::string & s)
{
  if (s.empty () || s.size () > 5)
    return false;
  for (char c : s)
    if (!g_ascii_isdigit (c))
      return false;
  return true;
}

}  // namespace

bool
parse_redis_url (const std::string & url, RedisAddress * out)
{
  const std::string scheme = "redis://";
  if (url.compare (0, scheme.size (), scheme) != 0)
    return false;
  std::string rest = url.substr (scheme.size ());
  for (unsigned char c : rest)
    if (c <= 0x20 || c >= 0x7F || c == '@' || c == '?' || c == '#')
      return false;
  RedisAddress a;
  std::string hostport = rest, db;
  size_t slash = rest.find ('/');
  if (slash != std::string::npos) {
    hostport = rest.substr (0, slash);
    db = rest.substr (slash + 1);
    if (!db.empty () && !all_digits (db))
      return false;
  }
  std::string port;
  if (!hostport.empty () && hostport[0] == '[') {
    size_t close = hostport.find (']');
    if (close == std::string::npos)
      return false;
    a.host = hostport.substr (1, close - 1);
    if (close + 1 < hostport.size ()) {
      if (hostport[close + 1] != ':')
        return false;
      port = hostport.substr (close + 2);
      if (port.empty ())
        return false;
    }
  } else {
    size_t colon = hostport.find (':');
    a.host = hostport.substr (0, colon);
    if (colon != std::string::npos) {
      port = hostport.substr (colon + 1);
      if (port.empty ())
        return false;
    }
  }
  if (a.host.empty ())
    return false;
  if (!port.empty ()) {
    if (!all_digits (port))
      return false;
    long p = strtol (port.c_str (), nullptr, 10);
    if (p < 1 || p > 65535)
      return false;
    a.port = (guint) p;
  }
  if (!db.empty ())
    a.db = (guint) strtol (db.c_str (), nullptr, 10);
  *out = a;
  return true;
}

std::string
check_instance_url (const std::string & url)
{
  if (url.size () > kMaxInstanceUrl)
    return "";
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7F || c == '?' || c == '#')
      return "";
  size_t host;
  if (url.compare (0, 7, "http://") == 0)
    host = 7;
  else if (url.compare (0, 8, "https://") == 0)
    host = 8;
  else
    return "";
  if (host >= url.size () || url[host] == '/' || url[host] == ':')
    return "";
  std::string out = url;
  while (out.size () > host && out.back () == '/')
    out.pop_back ();
  return out;
}

}  // namespace sessionctx
