/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http/twilio.h"

#include "core/serverdebug.h"
#include "http/twiliosignature.h"
#include "wire/protocol.h"

#include <gio/gio.h>

#include <cstring>

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {
namespace {

/* The first item of a comma-separated header (the original request's,
 * as the first proxy wrote it), or "". */
std::string
first_item (const char *header)
{
  if (!header)
    return "";
  std::vector<std::string> items = split_list (header);
  return items.empty ()? "" : items.front ();
}

/* A forwarded scheme as the one a request of this kind was made with:
 * "https" / "http" (or "wss" / "ws" for an upgrade); "" when unknown. */
std::string
forwarded_scheme (const std::string & proto, bool upgrade)
{
  bool secure;
  if (!g_ascii_strcasecmp (proto.c_str (), "https") ||
      !g_ascii_strcasecmp (proto.c_str (), "wss"))
    secure = true;
  else if (!g_ascii_strcasecmp (proto.c_str (), "http") ||
      !g_ascii_strcasecmp (proto.c_str (), "ws"))
    secure = false;
  else
    return "";
  if (upgrade)
    return secure ? "wss" : "ws";
  return secure ? "https" : "http";
}

std::string
peer_ip (SoupServerMessage * msg)
{
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);
  if (!addr || !G_IS_INET_SOCKET_ADDRESS (addr))
    return "";
  gchar *ip = g_inet_address_to_string (g_inet_socket_address_get_address
      (G_INET_SOCKET_ADDRESS (addr)));
  std::string out (ip);
  g_free (ip);
  return out;
}

/* The parameters a form POST signs; false when its body does not parse. */
bool
signed_params (SoupServerMessage * msg, FormParams * params)
{
  params->clear ();
  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    return true;
  const char *type = soup_message_headers_get_content_type
      (soup_server_message_get_request_headers (msg), nullptr);
  if (!type || g_ascii_strcasecmp (type, "application/x-www-form-urlencoded"))
    return true;                /* Twilio signs only form bodies */
  GBytes *body = soup_message_body_flatten (soup_server_message_get_request_body
      (msg));
  gsize len = 0;
  const char *data = static_cast<const char *> (g_bytes_get_data (body,
          &len));
  bool ok = parse_form (data ? data : "", len, params);
  g_bytes_unref (body);
  return ok;
}

}  // namespace

std::string
xml_escape (const std::string & text)
{
  std::string out;
  out.reserve (text.size ());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string
twiml_connect (const std::string & stream_url)
{
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
      "<Say>Connecting to the AI assistant.</Say><Connect><Stream url=\"" +
      xml_escape (stream_url) + "\" /></Connect>"
      "<Say>The call has been disconnected.</Say></Response>";
}

TwilioGate::TwilioGate (const ServerConfig & config)
    : token_ (config.twilio_auth_token),
    tls_ (!config.tls_certificate_file.empty ())
{
  if (!parse_public_url (config.public_url, &public_))
    public_ = PublicUrl ();
}

bool
TwilioGate::origin (SoupServerMessage * msg, const Access & access,
    bool upgrade, PublicUrl * out) const
{
  if (!public_.empty ()) {
    *out = public_;
    if (upgrade)
      out->scheme = websocket_scheme (public_.scheme);
    return true;
  }
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  *out = PublicUrl ();
  out->scheme = upgrade ? (tls_ ? "wss" : "ws") : (tls_ ? "https" : "http");
  const char *host = soup_message_headers_get_one (in, "Host");
  std::string authority = host ? host : "";
  if (access.forwarding_trusted (peer_ip (msg))) {
    std::string scheme = forwarded_scheme (first_item
        (soup_message_headers_get_one (in, "X-Forwarded-Proto")), upgrade);
    if (!scheme.empty ())
      out->scheme = scheme;
    std::string forwarded = first_item (soup_message_headers_get_one (in,
            "X-Forwarded-Host"));
    if (!forwarded.empty ())
      authority = forwarded;
  }
  if (!valid_authority (authority.data (), authority.size ()))
    return false;
  out->authority = authority;
  return true;
}

TwilioGate::Verdict
TwilioGate::check (SoupServerMessage * msg, const Access & access,
    bool upgrade) const
{
  const char *given = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "X-Twilio-Signature");
  if (!given)
    return Verdict::missing;
  PublicUrl where;
  FormParams params;
  if (!origin (msg, access, upgrade, &where) || !signed_params (msg, &params))
    return Verdict::invalid;
  GUri *uri = soup_server_message_get_uri (msg);
  std::string url = where.url (g_uri_get_path (uri), g_uri_get_query (uri));
  return twilio_signature_valid (url, params, token_, given) ?
      Verdict::valid : Verdict::invalid;
}

bool
TwilioGate::stream_url (SoupServerMessage * msg, const Access & access,
    std::string * out) const
{
  PublicUrl where;
  if (!origin (msg, access, false, &where))
    return false;
  where.scheme = where.scheme == "http" && !public_.empty ()? "ws" : "wss";
  *out = where.url ("/telephone/handler");
  return true;
}

void
refuse_signature (SoupServerMessage * msg, Metrics & metrics,
    TelephoneCounters::Route route, TwilioGate::Verdict why)
{
  metrics.protocol_error (error::invalid_signature);
  metrics.telephone.signature_refused (route,
      why == TwilioGate::Verdict::missing ? TelephoneCounters::missing :
      TelephoneCounters::invalid);
  GST_DEBUG ("refused a Twilio request: %s signature",
      why == TwilioGate::Verdict::missing ? "no" : "an invalid");
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (out, "Connection", "close");
  std::string body = failed_reply (error::invalid_signature);
  soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, nullptr);
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_COPY, body.data (), body.size ());
}

}  // namespace sessionctx
