/* What a FastRTC WebRTC client needs besides webrtcbin: its offer with all
 * candidates, POST /webrtc/offer with libsoup, the JSON fields of the
 * reply, the answer set, and ICE kept on loopback. Shared by the WebRTC
 * tests and benchmark.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <string>

#include "webrtc/srtpshutdown.h"

namespace test {

using sessionctx::drop_incoming_srtp;

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

/* @s as a JSON string literal (SDP and candidates are ASCII). */
inline std::string
json_string (const std::string & s)
{
  gchar *escaped = g_strescape (s.c_str (), nullptr);
  std::string out = std::string ("\"") + escaped + "\"";
  g_free (escaped);
  return out;
}

/* FastRTC's offer request for client @id. */
inline std::string
offer_body (const std::string & sdp, const std::string & id)
{
  return "{\"sdp\":" + json_string (sdp) + ",\"type\":\"offer\","
      "\"webrtc_id\":" + json_string (id) + "}";
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

/* The offer of @webrtcbin with all its candidates (FastRTC servers do not
 * trickle, so clients wait for gathering too), as SDP text; "" when
 * webrtcbin made none or gathering did not complete within 5 s. */
inline std::string
make_offer (GstElement * webrtcbin)
{
  GstPromise *p = gst_promise_new ();
  g_signal_emit_by_name (webrtcbin, "create-offer", NULL, p);
  GstWebRTCSessionDescription *offer = nullptr;
  if (gst_promise_wait (p) == GST_PROMISE_RESULT_REPLIED)
    gst_structure_get (gst_promise_get_reply (p), "offer",
        GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref (p);
  if (!offer)
    return "";
  g_signal_emit_by_name (webrtcbin, "set-local-description", offer, NULL);
  gst_webrtc_session_description_free (offer);
  for (int i = 0; i < 2500; i++) {
    GstWebRTCICEGatheringState st;
    g_object_get (webrtcbin, "ice-gathering-state", &st, NULL);
    if (st == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) {
      GstWebRTCSessionDescription *local = nullptr;
      g_object_get (webrtcbin, "local-description", &local, NULL);
      gchar *text = gst_sdp_message_as_text (local->sdp);
      std::string sdp = text;
      g_free (text);
      gst_webrtc_session_description_free (local);
      return sdp;
    }
    g_usleep (2000);
  }
  return "";
}

/* Sets the server's answer (SDP text); false when it does not parse. */
inline bool
set_answer (GstElement * webrtcbin, const std::string & text)
{
  GstSDPMessage *sdp = nullptr;
  if (gst_sdp_message_new_from_text (text.c_str (), &sdp) != GST_SDP_OK) {
    gst_sdp_message_free (sdp);
    return false;
  }
  auto *answer = gst_webrtc_session_description_new
      (GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  GstPromise *p = gst_promise_new ();
  g_signal_emit_by_name (webrtcbin, "set-remote-description", answer, p);
  gst_promise_wait (p);
  gst_promise_unref (p);
  gst_webrtc_session_description_free (answer);
  return true;
}

}  // namespace test
