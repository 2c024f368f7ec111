/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http/apirequest.h"

#include "wire/protocol.h"

#include <simdjson.h>

#include <cstring>
#include <string_view>

namespace sessionctx {
namespace {

constexpr std::string_view kPrefix = "/sessions";

bool
is_method (const char *method, const char *name)
{
  return method && strcmp (method, name) == 0;
}

ApiRequest
refused (ApiRoute route, guint status, const char *error, std::string detail,
    const char *allow = nullptr)
{
  ApiRequest r;
  r.route = route;
  r.status = status;
  r.error = error;
  r.allow = allow;
  r.detail = std::move (detail);
  return r;
}

std::string_view
trimmed (std::string_view s)
{
  while (!s.empty () && (s.front () == ' ' || s.front () == '\t'))
    s.remove_prefix (1);
  while (!s.empty () && (s.back () == ' ' || s.back () == '\t'))
    s.remove_suffix (1);
  return s;
}

bool
ascii_iequal (std::string_view a, std::string_view b)
{
  return a.size () == b.size () && (a.empty () ||
      g_ascii_strncasecmp (a.data (), b.data (), a.size ()) == 0);
}

/* application/json, parameters allowed; a charset only UTF-8. */
bool
json_content_type (const char *header)
{
  std::string_view rest (header ? header : "");
  size_t semi = rest.find (';');
  if (!ascii_iequal (trimmed (rest.substr (0, semi)), "application/json"))
    return false;
  while (semi != std::string_view::npos) {
    rest.remove_prefix (semi + 1);
    semi = rest.find (';');
    std::string_view param = trimmed (rest.substr (0, semi));
    size_t eq = param.find ('=');
    if (eq == std::string_view::npos ||
        !ascii_iequal (trimmed (param.substr (0, eq)), "charset"))
      continue;
    std::string_view value = trimmed (param.substr (eq + 1));
    if (value.size () >= 2 && value.front () == '"' && value.back () == '"')
      value = value.substr (1, value.size () - 2);
    if (!ascii_iequal (value, "utf-8"))
      return false;
  }
  return true;
}

/* @segment percent-decoded into @out; NULL, or why it is no session id. */
const char *
decode_id (std::string_view segment, std::string & out)
{
  if (segment.size () > kApiMaxEncodedId)
    return "session id is longer than 128 bytes";
  out.clear ();
  for (size_t i = 0; i < segment.size (); i++) {
    char c = segment[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (i + 2 >= segment.size ())
      return "malformed percent-escape in the session id";
    int hi = g_ascii_xdigit_value (segment[i + 1]);
    int lo = g_ascii_xdigit_value (segment[i + 2]);
    if (hi < 0 || lo < 0)
      return "malformed percent-escape in the session id";
    out += (char) (hi << 4 | lo);
    i += 2;
  }
  if (const char *why = check_session_id (out))
    return why;
  if (!g_utf8_validate (out.data (), (gssize) out.size (), nullptr))
    return "session id is not UTF-8";
  return nullptr;
}

}  // namespace

ApiRequest
parse_api_path (const char *method, const char *path, size_t len)
{
  std::string_view p (path ? path : "", path ? len : 0);
  if (p.substr (0, kPrefix.size ()) != kPrefix)
    return refused (ApiRoute::other, 404, api_error::not_found,
        "no such route");
  p.remove_prefix (kPrefix.size ());

  /* The collection. */
  if (p.empty () || p == "/") {
    if (is_method (method, "GET") || is_method (method, "HEAD")) {
      ApiRequest r;
      r.route = ApiRoute::list;
      return r;
    }
    return refused (ApiRoute::other, 405, api_error::method_not_allowed,
        "/sessions takes GET", "GET, HEAD");
  }
  if (p[0] != '/')
    return refused (ApiRoute::other, 404, api_error::not_found,
        "no such route");
  p.remove_prefix (1);

  /* One session: {id}, {id}/message, {id}/clear. */
  size_t slash = p.find ('/');
  std::string_view segment = p.substr (0, slash);
  std::string_view action = slash == std::string_view::npos ?
      std::string_view () : p.substr (slash + 1);
  ApiRoute route;
  const char *allow;
  if (slash == std::string_view::npos) {
    allow = "GET, HEAD, DELETE";
    if (is_method (method, "GET") || is_method (method, "HEAD"))
      route = ApiRoute::get;
    else if (is_method (method, "DELETE"))
      route = ApiRoute::end;
    else
      route = ApiRoute::other;
  } else if (action == "message" || action == "clear") {
    allow = "POST";
    route = !is_method (method, "POST") ? ApiRoute::other :
        action == "message" ? ApiRoute::message : ApiRoute::clear;
  } else {
    return refused (ApiRoute::other, 404, api_error::not_found,
        "no such route");
  }
  if (route == ApiRoute::other)
    return refused (route, 405, api_error::method_not_allowed,
        "method not allowed here", allow);

  ApiRequest r;
  r.route = route;
  if (const char *why = decode_id (segment, r.id)) {
    r.id.clear ();
    r.status = 400;
    r.error = error::invalid_session_id;
    r.detail = why;
  }
  return r;
}

ApiBody
check_api_message (const char *content_type, const char *data, size_t len)
{
  ApiBody b;
  auto refuse =[&b](guint status, const char *error, std::string detail) {
    b.status = status;
    b.error = error;
    b.detail = std::move (detail);
    return b;
  };
  if (len > kApiMaxBody)
    return refuse (413, api_error::payload_too_large,
        "the message is over " + std::to_string (kApiMaxBody) + " bytes");
  if (!json_content_type (content_type))
    return refuse (415, api_error::unsupported_media_type,
        "Content-Type must be application/json (charset utf-8, if any)");
  if (len == 0 || !data)
    return refuse (400, error::invalid_json, "empty body");

  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded (data, len);
  simdjson::dom::element root;
  if (auto err = parser.parse (padded).get (root))
    return refuse (400, error::invalid_json, std::string ("malformed JSON: ")
        + simdjson::error_message (err));
  if (!root.is_object ())
    return refuse (400, error::invalid_message,
        "the message must be a JSON object");
  return b;
}

std::string
api_failed_reply (const char *code, const std::string & detail)
{
  std::string out = "{\"status\":\"failed\",\"meta\":{\"error\":";
  out += json_quote (code);
  if (!detail.empty ())
    out += ",\"detail\":" + json_quote (detail);
  out += "}}";
  return out;
}

}  // namespace sessionctx
