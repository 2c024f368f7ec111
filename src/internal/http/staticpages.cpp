/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http/staticpages.h"

#include <gio/gio.h>

#include <cstring>

namespace sessionctx {
namespace {

const char *
content_type_of (const char *name)
{
  if (g_str_has_suffix (name, ".html"))
    return "text/html; charset=utf-8";
  if (g_str_has_suffix (name, ".js"))
    return "text/javascript; charset=utf-8";
  if (g_str_has_suffix (name, ".css"))
    return "text/css; charset=utf-8";
  if (g_str_has_suffix (name, ".svg"))
    return "image/svg+xml";
  return "application/octet-stream";
}

struct PageRoute
{
  const std::string & prefix;
  const Access & access;
  Metrics & metrics;
};

void
not_found (SoupServerMessage * msg)
{
  static const char body[] = "Not found\n";
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, nullptr);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8",
      SOUP_MEMORY_STATIC, body, sizeof body - 1);
}

/* @html with every "/demo/NAME" link given ?token=TOKEN (URL-escaped, so
 * also HTML-safe): a page that asked with the token loads its assets with
 * it. Only ever the server's own token, sent to a client that proved it. */
std::string
with_token_links (const char *html, size_t len, const std::string & token)
{
  gchar *escaped = g_uri_escape_string (token.c_str (), nullptr, FALSE);
  const std::string query = std::string ("?token=") + escaped;
  g_free (escaped);
  std::string out (html, len);
  static const char kLink[] = "\"/demo/";
  for (size_t at = out.find (kLink); at != std::string::npos;
      at = out.find (kLink, at)) {
    size_t end = out.find ('"', at + 1);
    if (end == std::string::npos)
      break;
    out.insert (end, query);
    at = end + query.size ();
  }
  return out;
}

/* The resource file a path names, or "" when it names none: `/` is the
 * page, `/demo/NAME` an asset (one plain name: no directories, no dots
 * first, so a client cannot walk the resource tree). */
std::string
resource_name_of (const char *path)
{
  if (strcmp (path, "/") == 0)
    return "index.html";
  const char *name = g_str_has_prefix (path, "/demo/") ? path + 6 : nullptr;
  if (!name || !*name || name[0] == '.' || strchr (name, '/'))
    return "";
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '.' && *c != '-' && *c != '_')
      return "";
  return name;
}

void
on_page_request (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  const auto & route = *static_cast<const PageRoute *> (user_data);
  const std::string & prefix = route.prefix;
  if (refuse_request (route.access, msg, route.metrics))
    return;
  std::string name = resource_name_of (path);
  if (name.empty ()) {
    not_found (msg);
    return;
  }
  const char *method = soup_server_message_get_method (msg);
  if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
        nullptr);
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Allow", "GET, HEAD");
    return;
  }
  std::string resource = prefix + "/" + name;
  GBytes *bytes = g_resources_lookup_data (resource.c_str (),
      G_RESOURCE_LOOKUP_FLAGS_NONE, nullptr);
  if (!bytes) {
    not_found (msg);
    return;
  }
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Content-Security-Policy",
      "default-src 'self'; connect-src 'self' ws: wss:; "
      "img-src 'self' data:; frame-ancestors 'none'");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, nullptr);
  soup_message_headers_replace (headers, "Content-Type",
      content_type_of (name.c_str ()));
  if (name == "index.html" && !route.access.token ().empty ()) {
    gsize len = 0;
    const char *html = static_cast<const char *> (g_bytes_get_data (bytes,
            &len));
    std::string page = with_token_links (html, len, route.access.token ());
    soup_message_headers_replace (headers, "Cache-Control", "no-store");
    soup_server_message_set_response (msg, content_type_of (name.c_str ()),
        SOUP_MEMORY_COPY, page.data (), page.size ());
  } else {
    soup_message_body_append_bytes (soup_server_message_get_response_body
        (msg), bytes);
  }
  g_bytes_unref (bytes);
}

}  // namespace

void
static_pages_mount (SoupServer * soup, const std::string & resource_prefix,
    const Access & access, Metrics & metrics)
{
  soup_server_add_handler (soup, "/", on_page_request,
      new PageRoute { resource_prefix, access, metrics },
      [](gpointer data) {
        delete static_cast<PageRoute *> (data);
      });
}

}  // namespace sessionctx
