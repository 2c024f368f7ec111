/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http/access.h"

#include "wire/protocol.h"
#include "core/serverdebug.h"

#include <gio/gio.h>

#include <algorithm>
#include <cstring>

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {
namespace {

/* An IP address in its canonical text form, or "" when @text is none
 * (also accepted: "v4:port" and "[v6]:port", as some proxies write). */
std::string
canonical_ip (std::string text)
{
  if (text.size () > 2 && text.front () == '[') {
    size_t end = text.find (']');
    if (end == std::string::npos)
      return "";
    text = text.substr (1, end - 1);
  } else if (std::count (text.begin (), text.end (), ':') == 1) {
    text = text.substr (0, text.find (':'));
  }
  GInetAddress *addr = g_inet_address_new_from_string (text.c_str ());
  if (!addr)
    return "";
  gchar *s = g_inet_address_to_string (addr);
  std::string out (s);
  g_free (s);
  g_object_unref (addr);
  return out;
}

std::string
trim (const std::string & s)
{
  size_t b = s.find_first_not_of (" \t");
  if (b == std::string::npos)
    return "";
  size_t e = s.find_last_not_of (" \t");
  return s.substr (b, e - b + 1);
}

bool
listed (const std::vector<std::string> & list, const std::string & item)
{
  return std::find (list.begin (), list.end (), item) != list.end ();
}

/* The token of "Authorization: Bearer TOKEN" (RFC 6750 §2.1; the scheme
 * is case-insensitive), or NULL. */
const char *
bearer_of (const char *authorization, size_t *len)
{
  if (!authorization || g_ascii_strncasecmp (authorization, "Bearer ", 7))
    return nullptr;
  const char *t = authorization + 7;
  while (*t == ' ')
    t++;
  size_t n = strlen (t);
  while (n > 0 && t[n - 1] == ' ')
    n--;
  *len = n;
  return t;
}

}  // namespace

bool
token_equal (const char *given, size_t given_len,
    const std::string & expected)
{
  /* volatile: the compiler may not turn the loop into an early exit. */
  volatile unsigned char diff = given_len != expected.size ();
  const size_t n = expected.size ();
  for (size_t i = 0; i < n; i++) {
    unsigned char g = i < given_len ? (unsigned char) given[i] : 0;
    diff = diff | (unsigned char) (g ^ (unsigned char) expected[i]);
  }
  return n > 0 && diff == 0;
}

std::vector<std::string>
split_list (const std::string & list)
{
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= list.size ()) {
    size_t comma = list.find (',', start);
    if (comma == std::string::npos)
      comma = list.size ();
    std::string item = trim (list.substr (start, comma - start));
    if (!item.empty ())
      items.push_back (item);
    start = comma + 1;
  }
  return items;
}

std::string
resolve_client_address (const std::string & peer, const char *forwarded_for,
    const std::vector<std::string> & trusted)
{
  if (!forwarded_for || !listed (trusted, peer))
    return peer;
  /* From the right: the nearest hop first. */
  std::vector<std::string> hops = split_list (forwarded_for);
  std::string nearest = peer;
  for (auto it = hops.rbegin (); it != hops.rend (); ++it) {
    std::string ip = canonical_ip (*it);
    if (ip.empty ())
      return nearest;           /* garbage: the hop that wrote it is all we know */
    if (!listed (trusted, ip))
      return ip;
    nearest = ip;
  }
  return nearest;               /* every hop is a trusted proxy */
}

bool
AddressCounter::acquire (const std::string & address, guint max)
{
  std::lock_guard < std::mutex > lock (lock_);
  guint & n = counts_[address];
  if (max > 0 && n >= max)
    return false;
  n++;
  return true;
}

void
AddressCounter::release (const std::string & address)
{
  std::lock_guard < std::mutex > lock (lock_);
  auto it = counts_.find (address);
  if (it == counts_.end ())
    return;
  if (--it->second == 0)
    counts_.erase (it);
}

guint
AddressCounter::count (const std::string & address)
{
  std::lock_guard < std::mutex > lock (lock_);
  auto it = counts_.find (address);
  return it == counts_.end ()? 0 : it->second;
}

Access::Access (const ServerConfig & config)
    : token_ (config.auth_token), api_token_ (config.api_token),
    origins_ (split_list
    (config.allowed_origins)), max_per_address_
    (config.max_sessions_per_address)
{
  for (auto & t : split_list (config.trusted_proxies)) {
    std::string ip = canonical_ip (t);
    if (ip.empty ())
      GST_WARNING ("trusted-proxies: \"%s\" is not an IP address, ignored",
          t.c_str ());
    else
      trusted_.push_back (ip);
  }
}

Access::Verdict
Access::check (const char *authorization, const char *query,
    const char *origin, bool preflight, bool token_waived) const
{
  if (origin && !origins_.empty ()) {
    bool ok = false;
    for (auto & o : origins_)
      ok |= g_ascii_strcasecmp (o.c_str (), origin) == 0;
    if (!ok)
      return Verdict::forbidden_origin;
  }
  if (token_.empty () || preflight || token_waived)
    return Verdict::allowed;
  size_t len = 0;
  const char *given = bearer_of (authorization, &len);
  bool ok = given && token_equal (given, len, token_);
  if (!ok && query) {
    if (GHashTable * params = g_uri_parse_params (query, -1, "&",
            G_URI_PARAMS_NONE, nullptr)) {
      if (auto *t = static_cast<const char *> (g_hash_table_lookup (params,
                  "token")))
        ok = token_equal (t, strlen (t), token_);
      g_hash_table_unref (params);
    }
  }
  return ok ? Verdict::allowed : Verdict::unauthorized;
}

Access::Verdict
Access::check_api (const char *authorization, const char *origin) const
{
  if (origin && !origins_.empty ()) {
    bool ok = false;
    for (auto & o : origins_)
      ok |= g_ascii_strcasecmp (o.c_str (), origin) == 0;
    if (!ok)
      return Verdict::forbidden_origin;
  }
  size_t len = 0;
  const char *given = bearer_of (authorization, &len);
  if (api_token_.empty () || !given || !token_equal (given, len, api_token_))
    return Verdict::unauthorized;
  return Verdict::allowed;
}

bool
Access::cors_origin (const char *origin, std::string * allow) const
{
  if (origins_.empty ()) {
    *allow = "*";
    return true;
  }
  if (!origin)
    return false;
  for (auto & o : origins_)
    if (g_ascii_strcasecmp (o.c_str (), origin) == 0) {
      *allow = o;
      return true;
    }
  return false;
}

bool
Access::forwarding_trusted (const std::string & peer_ip) const
{
  return listed (trusted_, peer_ip);
}

namespace {

/* 401 (with WWW-Authenticate) or 403 for @v, a failed reply, counted. */
void
answer_refused (Access::Verdict v, SoupServerMessage * msg, Metrics & metrics,
    bool preflight)
{
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  const bool token = v == Access::Verdict::unauthorized;
  const char *code = token ? error::unauthorized : error::forbidden_origin;
  metrics.protocol_error (code);
  /* Nothing the client wrote (token, origin, path) goes into the log. */
  GST_DEBUG ("refused a request%s: %s", preflight ? " (preflight)" : "",
      code);
  if (token)
    soup_message_headers_replace (out, "WWW-Authenticate", "Bearer");
  /* Each refused request stands alone (see signalling's respond ()). */
  soup_message_headers_replace (out, "Connection", "close");
  std::string body = failed_reply (code);
  soup_server_message_set_status (msg, token ? SOUP_STATUS_UNAUTHORIZED :
      SOUP_STATUS_FORBIDDEN, nullptr);
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_COPY, body.data (), body.size ());
}

}  // namespace

bool
refuse_request (const Access & access, SoupServerMessage * msg,
    Metrics & metrics, bool token_waived)
{
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  const char *origin = soup_message_headers_get_one (in, "Origin");
  std::string allow;
  if (access.cors_origin (origin, &allow)) {
    soup_message_headers_replace (out, "Access-Control-Allow-Origin",
        allow.c_str ());
    if (allow != "*")
      soup_message_headers_append (out, "Vary", "Origin");
  }
  const bool preflight = g_strcmp0 (soup_server_message_get_method (msg),
      "OPTIONS") == 0;
  Access::Verdict v = access.check (soup_message_headers_get_one (in,
          "Authorization"), g_uri_get_query (soup_server_message_get_uri
          (msg)), origin, preflight, token_waived);
  if (v == Access::Verdict::allowed)
    return false;

  answer_refused (v, msg, metrics, preflight);
  return true;
}

Access::Verdict
refuse_api_request (const Access & access, SoupServerMessage * msg,
    Metrics & metrics)
{
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  Access::Verdict v = access.check_api (soup_message_headers_get_one (in,
          "Authorization"), soup_message_headers_get_one (in, "Origin"));
  if (v != Access::Verdict::allowed)
    answer_refused (v, msg, metrics, false);
  return v;
}

ClientAddress
client_address_of (const Access & access, SoupServerMessage * msg)
{
  ClientAddress out;
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);
  if (!addr || !G_IS_INET_SOCKET_ADDRESS (addr))
    return out;
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (addr);
  gchar *host = g_inet_address_to_string
      (g_inet_socket_address_get_address (inet));
  out.ip = host;
  g_free (host);
  out.remote = out.ip + ":" +
      std::to_string (g_inet_socket_address_get_port (inet));
  if (access.forwarding_trusted (out.ip)) {
    std::string client = access.client_address (out.ip,
        soup_message_headers_get_one (soup_server_message_get_request_headers
            (msg), "X-Forwarded-For"));
    if (client != out.ip)
      out.remote = out.ip = client;
  }
  return out;
}

}  // namespace sessionctx
