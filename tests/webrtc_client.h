/* What a FastRTC WebRTC client needs besides webrtcbin: POST
 * /webrtc/offer with libsoup, the JSON fields of the reply, and ICE kept on
 * loopback. Shared by the WebRTC tests and benchmark.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <string>

namespace test {

struct HttpReply
{
  guint status = 0;
  std::string body;
};

inline HttpReply
post (guint port, const std::string & body)
{
  SoupSession *session = soup_session_new ();
  std::string url = "http://127.0.0.1:" + std::to_string (port) +
      "/webrtc/offer";
  SoupMessage *msg = soup_message_new ("POST", url.c_str ());
  GBytes *req = g_bytes_new (body.data (), body.size ());
  soup_message_set_request_body_from_bytes (msg, "application/json", req);
  g_bytes_unref (req);
  GError *err = nullptr;
  GBytes *resp = soup_session_send_and_read (session, msg, nullptr, &err);
  HttpReply r;
  if (!resp) {
    r.body = err->message;
    g_error_free (err);
    g_object_unref (msg);
    g_object_unref (session);
    return r;                   /* status 0 */
  }
  r.status = soup_message_get_status (msg);
  gsize len;
  const char *d = (const char *) g_bytes_get_data (resp, &len);
  r.body.assign (d ? d : "", len);
  g_bytes_unref (resp);
  g_object_unref (msg);
  g_object_unref (session);
  return r;
}

inline std::string
json_field (const std::string & json, const char *field)
{
  JsonParser *p = json_parser_new ();
  std::string out;
  if (json_parser_load_from_data (p, json.c_str (), -1, nullptr)) {
    JsonObject *o = json_node_get_object (json_parser_get_root (p));
    if (o && json_object_has_member (o, field))
      out = json_object_get_string_member (o, field);
  }
  g_object_unref (p);
  return out;
}

/* Gathers 127.0.0.1 only (libnice skips loopback when other interfaces
 * exist) and never multicasts UPnP discovery. */
inline void
ice_on_loopback_only (GstElement * webrtcbin)
{
  GObject *ice = nullptr;
  g_object_get (webrtcbin, "ice-agent", &ice, NULL);
  gboolean ok = FALSE;
  g_signal_emit_by_name (ice, "add-local-ip-address", "127.0.0.1", &ok);
  GObject *agent = nullptr;
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "upnp", FALSE, NULL);
  g_object_unref (agent);
  g_object_unref (ice);
}

}  // namespace test
