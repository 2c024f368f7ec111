/* Twilio's side of HTTP: the URL a request was made to as Twilio saw it
 * (public-url; else a trusted proxy's X-Forwarded-Proto and
 * X-Forwarded-Host; else the Host header and the port's own scheme), its
 * X-Twilio-Signature checked over that URL when twilio-auth-token is
 * set, and the TwiML that connects an incoming call to this server's
 * /telephone/handler (FastRTC's handle_incoming_call).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/metrics.h"
#include "core/serverconfig.h"
#include "http/access.h"
#include "http/publicurl.h"

#include <libsoup/soup.h>

#include <string>

namespace sessionctx {

/* The TwiML FastRTC answers an incoming call with: a <Say>, <Connect> to
 * a <Stream> at @stream_url (XML-escaped), a <Say> for when it ends. */
std::string twiml_connect (const std::string & stream_url);

/* @text with &, <, >, " and ' as XML entities. */
std::string xml_escape (const std::string & text);

/* The Twilio rules of one server, from its config. Read-only after
 * construction: any handshake thread may ask. */
class TwilioGate
{
public:
  enum class Verdict
  {
    valid,
    missing,                    /* no X-Twilio-Signature */
    invalid,                    /* one that does not verify, a form body
                                 * that does not parse, or no valid host */
  };

  /* public-url must have parsed (Server::start refuses it otherwise). */
  explicit TwilioGate (const ServerConfig & config);

  /* twilio-auth-token is set: Twilio's routes take signed requests only. */
  bool enabled () const { return !token_.empty (); }

  /* Where @msg was made to, as its client wrote the URL (an upgrade's
   * scheme is ws or wss): public-url when set; else, when the TCP peer is
   * a trusted proxy, the first entries of its X-Forwarded-Proto (http,
   * https, ws or wss) and X-Forwarded-Host, each where present; else
   * https (wss) on a TLS port, http (ws) on a plain one, and the Host
   * header. False when the host is missing or not a valid authority. */
  bool origin (SoupServerMessage * msg, const Access & access, bool upgrade,
      PublicUrl * out) const;

  /* @msg's X-Twilio-Signature over the URL it was made to (origin ()
   * with the request's path and query) and, for an
   * application/x-www-form-urlencoded body, its parameters. */
  Verdict check (SoupServerMessage * msg, const Access & access,
      bool upgrade) const;

  /* The URL of /telephone/handler Twilio is told to stream to: wss (ws
   * only when public-url is http://, for tests), the origin's authority
   * and prefix. False when @msg names no valid host. */
  bool stream_url (SoupServerMessage * msg, const Access & access,
      std::string * out) const;

private:
  std::string token_;
  PublicUrl public_;
  bool tls_;
};

/* Answers @msg 403 with a failed reply `invalid_signature` (Connection:
 * close), counted as a protocol error and in @metrics' telephone
 * refusals for @route. Nothing the client sent is logged. */
void refuse_signature (SoupServerMessage * msg, Metrics & metrics,
    TelephoneCounters::Route route, TwilioGate::Verdict why);

}  // namespace sessionctx
