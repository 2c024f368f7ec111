/* Who may use a server: the shared token (auth-token), the browser
 * origins it serves (allowed-origins), where a client really is
 * (X-Forwarded-For from trusted-proxies) and how many sessions one
 * address holds (max-sessions-per-address). The decisions are pure
 * functions of what a request says; refuse_request () is the one place
 * that turns them into an HTTP answer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/metrics.h"
#include "core/serverconfig.h"

#include <glib.h>
#include <libsoup/soup.h>

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sessionctx {

/* Whether @given equals @expected, in a time that depends only on
 * @expected's length (every byte compared, no early exit). */
bool token_equal (const char *given, size_t given_len,
    const std::string & expected);

/* The items of a comma-separated list, trimmed, empty ones dropped. */
std::vector<std::string> split_list (const std::string & list);

/* The client's address: @peer (the TCP peer's IP), unless @peer is one
 * of @trusted and @forwarded_for (X-Forwarded-For) names addresses, then
 * the right-most one that is not trusted (each proxy appends the address
 * it got the request from; what comes before a trusted proxy's entry
 * the client may have written itself). */
std::string resolve_client_address (const std::string & peer,
    const char *forwarded_for, const std::vector<std::string> & trusted);

/* Live sessions per client address, for max-sessions-per-address. Any
 * thread (a leaf lock). */
class AddressCounter
{
public:
  /* Counts one more session for @address unless @max (0: no limit) are
   * counted already. */
  bool acquire (const std::string & address, guint max);
  void release (const std::string & address);
  guint count (const std::string & address);

private:
  std::mutex lock_;
  std::unordered_map<std::string, guint> counts_;
};

/* The access rules of one server, parsed once from its config. Read-only
 * after construction, so any I/O thread may ask. */
class Access
{
public:
  enum class Verdict
  {
    allowed,
    unauthorized,               /* no or wrong token: HTTP 401 */
    forbidden_origin,           /* an Origin not listed: HTTP 403 */
  };

  explicit Access (const ServerConfig & config);

  /* What a request with these headers (NULL: absent) and this raw URL
   * query may do. The token is not asked of a CORS preflight
   * (@preflight): browsers send no credentials with it; nor of a request
   * that proved itself otherwise (@token_waived: a Twilio media upgrade
   * with a valid signature, whose URL can carry no token). */
  Verdict check (const char *authorization, const char *query,
      const char *origin, bool preflight = false, bool token_waived = false)
      const;
  /* The session API (api-token; never the auth-token, which clients
   * hold): the Origin rule of check (), then `Authorization: Bearer`
   * with the api-token, nothing else (no ?token=: a URL is logged by
   * proxies). unauthorized when no api-token is set. */
  Verdict check_api (const char *authorization, const char *origin) const;
  /* Whether the session API is on (an api-token is set). */
  bool api_enabled () const { return !api_token_.empty (); }
  /* Whether a response to @origin (NULL: none) may carry CORS headers,
   * and the value of Access-Control-Allow-Origin then. */
  bool cors_origin (const char *origin, std::string * allow) const;
  /* The address a request from TCP peer @peer_ip counts for. */
  std::string client_address (const std::string & peer_ip,
      const char *forwarded_for) const
  {
    return resolve_client_address (peer_ip, forwarded_for, trusted_);
  }
  bool forwarding_trusted (const std::string & peer_ip) const;
  guint max_per_address () const { return max_per_address_; }
  /* The auth-token ("": none), for the page that passes it on. */
  const std::string & token () const { return token_; }
  AddressCounter & addresses () { return addresses_; }

private:
  std::string token_;
  std::string api_token_;
  std::vector<std::string> origins_;
  std::vector<std::string> trusted_;
  guint max_per_address_;
  AddressCounter addresses_;
};

/* Answers @msg 401 or 403 (a failed reply, counted in @metrics by code)
 * when @access refuses it; true then. Sets the CORS headers a listed
 * origin gets either way. @token_waived: see Access::check. */
bool refuse_request (const Access & access, SoupServerMessage * msg,
    Metrics & metrics, bool token_waived = false);

/* The same for the session API (Access::check_api): 401 or 403 with a
 * failed reply, counted in @metrics' protocol errors, no CORS headers
 * (the API is for applications, not pages); the verdict. */
Access::Verdict refuse_api_request (const Access & access,
    SoupServerMessage * msg, Metrics & metrics);

/* Where a request comes from: "ip:port" of the TCP peer, or the client
 * address a trusted proxy forwarded (without port), and the IP alone
 * (what max-sessions-per-address counts). */
struct ClientAddress
{
  std::string remote;
  std::string ip;
};
ClientAddress client_address_of (const Access & access,
    SoupServerMessage * msg);

}  // namespace sessionctx
