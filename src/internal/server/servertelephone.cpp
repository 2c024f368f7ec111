/* Twilio phone calls: the incoming-call webhook, POST /telephone/incoming,
 * answered with the TwiML that connects the call to this server's
 * /telephone/handler (FastRTC's handle_incoming_call). Pointing a Twilio
 * number's "A call comes in" webhook at it is all a phone number needs.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server/server.h"

#include "core/serverdebug.h"
#include "http/unavailable.h"

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {

/* The access rules first (auth-token: 401, allowed-origins: 403), as on
 * every route; then, with twilio-auth-token, Twilio's signature over the
 * URL and the form (403), in the order of the media upgrade's checks. What the call is about (CallSid, From, ...)
 * the session learns from its Twilio `start`, not from here. */
void
Server::on_telephone_incoming (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  auto *hs = static_cast<Thread *> (user_data);
  Server *self = hs->server;
  TelephoneCounters & counters = self->metrics_.telephone;
  if (refuse_request (self->access_, msg, self->metrics_)) {
    counters.webhook (soup_server_message_get_status (msg));
    return;
  }
  if (g_strcmp0 (path, "/telephone/incoming") != 0) {
    counters.webhook (SOUP_STATUS_NOT_FOUND);
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, nullptr);
    return;
  }
  /* Twilio's webhooks are POST by default, GET when so configured. */
  const char *method = soup_server_message_get_method (msg);
  if (g_strcmp0 (method, "POST") != 0 && g_strcmp0 (method, "GET") != 0) {
    counters.webhook (SOUP_STATUS_METHOD_NOT_ALLOWED);
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Allow", "POST, GET");
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
        nullptr);
    return;
  }
  if (self->twilio_.enabled ()) {
    TwilioGate::Verdict v = self->twilio_.check (msg, self->access_, false);
    if (v != TwilioGate::Verdict::valid) {
      counters.webhook (SOUP_STATUS_FORBIDDEN);
      refuse_signature (msg, self->metrics_, TelephoneCounters::incoming, v);
      return;
    }
  }
  /* Draining: the call would find no session. A 503 makes Twilio try the
   * number's fallback URL (another instance). */
  if (self->draining ()) {
    self->metrics_.protocol_error (error::draining);
    counters.webhook (SOUP_STATUS_SERVICE_UNAVAILABLE);
    respond_unavailable (msg, "draining\n");
    return;
  }
  std::string stream;
  if (!self->twilio_.stream_url (msg, self->access_, &stream)) {
    /* No Host, or one no URL may name: nothing is echoed back. */
    counters.webhook (SOUP_STATUS_BAD_REQUEST);
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Connection", "close");
    soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, nullptr);
    return;
  }
  std::string twiml = twiml_connect (stream);
  counters.webhook (SOUP_STATUS_OK);
  GST_DEBUG ("answered an incoming call's webhook");
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  /* Each answer stands alone (see signalling's respond ()). */
  soup_message_headers_replace (out, "Connection", "close");
  soup_message_headers_replace (out, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, nullptr);
  soup_server_message_set_response (msg, "text/xml; charset=utf-8",
      SOUP_MEMORY_COPY, twiml.data (), twiml.size ());
}

}  // namespace sessionctx
