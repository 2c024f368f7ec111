/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cluster/clusterentry.h"

#include "cluster/clusterurls.h"

#include <json-glib/json-glib.h>
#include <simdjson.h>

#include <cstring>

namespace sessionctx {
namespace {

/* JSON text nested at most @max deep (strings skipped): the parser
 * below recurses once a level. */
bool
shallow (const char *p, const char *end, int max)
{
  int depth = 0;
  bool in_string = false;
  for (; p < end; p++) {
    if (in_string) {
      if (*p == '\\') {
        if (++p == end)         /* the escaped byte skipped */
          break;
      } else if (*p == '"') {
        in_string = false;
      }
    } else if (*p == '"') {
      in_string = true;
    } else if (*p == '{' || *p == '[') {
      if (++depth > max)
        return false;
    } else if (*p == '}' || *p == ']') {
      depth--;
    }
  }
  return true;
}

}  // namespace

bool
parse_cluster_entry (const std::string & id, const char *data, size_t len,
    ClusterEntry * out)
{
  if (len > kMaxClusterEntry || !g_utf8_validate (id.data (),
          (gssize) id.size (), nullptr))
    return false;
  const char *nl = static_cast<const char *> (memchr (data, '\n', len));
  if (!nl || !shallow (nl + 1, data + len, kMaxClusterEntryDepth))
    return false;
  std::string url (data, nl - data);
  if (url.empty () || check_instance_url (url) != url)
    return false;
  /* Strict JSON first: json-glib takes control characters raw inside
   * strings and writes them back raw, so what it let through would reach
   * API clients as invalid JSON (found by fuzz_signalling). */
  {
    simdjson::dom::parser strict;
    simdjson::padded_string body (nl + 1, len - (nl + 1 - data));
    simdjson::dom::element root;
    if (strict.parse (body).get (root) != simdjson::SUCCESS
        || !root.is_object ())
      return false;
  }
  JsonParser *parser = json_parser_new ();
  bool ok = json_parser_load_from_data (parser, nl + 1,
      (gssize) (len - (nl + 1 - data)), nullptr);
  JsonNode *root = ok ? json_parser_get_root (parser) : nullptr;
  ok = root && JSON_NODE_HOLDS_OBJECT (root);
  if (ok) {
    JsonObject *o = json_node_get_object (root);
    json_object_set_string_member (o, "id", id.c_str ());
    json_object_set_string_member (o, "instance", url.c_str ());
    gchar *text = json_to_string (root, FALSE);
    out->instance = url;
    out->session = text;
    g_free (text);
  }
  g_object_unref (parser);
  return ok;
}

}  // namespace sessionctx
