/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http/request.h"

#include "wire/protocol.h"

namespace sessionctx {
namespace {

void
set_field_from_params (GstStructure * s, GHashTable * params,
    bool strip_token)
{
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, params);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    if (strip_token && g_strcmp0 ((const char *) key, "token") == 0)
      continue;
    std::string field = field_name_from_key ((const char *) key);
    if (admit_field_name (field))
      gst_structure_set (s, field.c_str (), G_TYPE_STRING,
          (const char *) value, NULL);
  }
}

}  // namespace

std::string
remote_of (SoupServerMessage * msg)
{
  std::string remote;
  if (GSocketAddress * addr = soup_server_message_get_remote_address (msg);
      addr && G_IS_INET_SOCKET_ADDRESS (addr)) {
    GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (addr);
    gchar *host = g_inet_address_to_string
        (g_inet_socket_address_get_address (inet));
    remote = std::string (host) + ":" +
        std::to_string (g_inet_socket_address_get_port (inet));
    g_free (host);
  }

  return remote;
}

/* What the request tells about the client: path, URL query and its
 * headers, by lower-cased name (Authorization left out when the server
 * checks a token). Client-chosen names go through admit_field_name (). */
GstStructure *
request_metadata (SoupServerMessage * msg, const char *path,
    bool strip_token)
{
  GstStructure *meta = gst_structure_new ("metadata", "path", G_TYPE_STRING,
      path, NULL);
  if (const char *query = g_uri_get_query (soup_server_message_get_uri (msg))) {
    if (GHashTable * params = g_uri_parse_params (query, -1, "&",
            G_URI_PARAMS_NONE, nullptr)) {
      GstStructure *q = gst_structure_new_empty ("query");
      set_field_from_params (q, params, strip_token);
      gst_structure_set (meta, "query", GST_TYPE_STRUCTURE, q, NULL);
      gst_structure_free (q);
      g_hash_table_unref (params);
    }
  }
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  GstStructure *h = gst_structure_new_empty ("headers");
  SoupMessageHeadersIter iter;
  const char *name, *value;
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value)) {
    /* The server's own token stays out of the context (it is checked
     * before; an application checking its own may read the header). */
    if (strip_token && g_ascii_strcasecmp (name, "Authorization") == 0)
      continue;
    gchar *lower = g_ascii_strdown (name, -1);
    std::string field = field_name_from_key (lower);
    g_free (lower);
    /* Admitted first: looking a field up makes its quark. */
    if (!admit_field_name (field))
      continue;
    /* A repeated header: its values joined, as HTTP allows. */
    if (const char *before = gst_structure_get_string (h, field.c_str ())) {
      std::string joined = std::string (before) + ", " + value;
      gst_structure_set (h, field.c_str (), G_TYPE_STRING, joined.c_str (),
          NULL);
    } else {
      gst_structure_set (h, field.c_str (), G_TYPE_STRING, value, NULL);
    }
  }
  gst_structure_set (meta, "headers", GST_TYPE_STRUCTURE, h, NULL);
  gst_structure_free (h);

  return meta;
}

}  // namespace sessionctx
