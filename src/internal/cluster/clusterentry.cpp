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

/* @o's string member @name, or nullptr. */
const char *
string_member (JsonObject * o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_STRING)
    return nullptr;
  return json_node_get_string (n);
}

bool
plain_text (const char *s, size_t max)
{
  size_t len = strlen (s);
  if (len > max || !g_utf8_validate (s, (gssize) len, nullptr))
    return false;
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return false;
  return true;
}

}  // namespace

bool
cluster_entry_context (const ClusterEntry & entry, ClusterEntryContext * out)
{
  JsonParser *parser = json_parser_new ();
  bool ok = json_parser_load_from_data (parser, entry.session.data (),
      (gssize) entry.session.size (), nullptr);
  JsonNode *root = ok ? json_parser_get_root (parser) : nullptr;
  ok = false;
  if (root && JSON_NODE_HOLDS_OBJECT (root)) {
    JsonObject *o = json_node_get_object (root);
    const char *transport = string_member (o, "transport");
    const char *dialect = string_member (o, "dialect");
    const char *remote = string_member (o, "remote-address");
    bool known_transport = false, known_dialect = false;
    for (auto t : { GST_SESSION_TRANSPORT_WEBSOCKET,
            GST_SESSION_TRANSPORT_WEBRTC })
      if (transport && g_strcmp0 (transport,
              gst_session_transport_to_string (t)) == 0) {
        out->transport = t;
        known_transport = true;
      }
    for (auto d : { GST_SESSION_DIALECT_FASTRTC, GST_SESSION_DIALECT_TWILIO })
      if (dialect && g_strcmp0 (dialect, gst_session_dialect_to_string (d))
          == 0) {
        out->dialect = d;
        known_dialect = true;
      }
    out->remote = remote && plain_text (remote, kMaxClusterRemote) ?
        remote : "";
    ok = known_transport && known_dialect;
  }
  g_object_unref (parser);
  return ok;
}

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
    /* json-glib 1.6 (GScanner) takes escapes JSON has not (`\607`,
     * octal: a byte that is no UTF-8) and writes U+001F unescaped (it
     * escapes below it): what it writes back must be UTF-8 and, compact
     * JSON, hold no byte under 0x20. */
    ok = g_utf8_validate (text, -1, nullptr);
    for (const char *p = text; *p && ok; p++)
      ok = (unsigned char) *p >= 0x20;
    if (ok) {
      out->instance = url;
      out->session = text;
    }
    g_free (text);
  }
  g_object_unref (parser);
  return ok;
}

}  // namespace sessionctx
