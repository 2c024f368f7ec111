/* The address clients reach a server at, which is not always the one it
 * listens on (a reverse proxy, a tunnel, TLS ended in front of it): the
 * `public-url` property, and what a request's Host may say. Pure
 * functions over strings.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstddef>
#include <string>

namespace sessionctx {

/* Where a request was made to, as its client wrote the URL, without the
 * path the server routes on: `scheme://authority` + `prefix` + path. */
struct PublicUrl
{
  std::string scheme;           /* "http" or "https" (ws, wss for an
                                 * upgrade); "": unknown, not set */
  std::string authority;        /* host[:port] */
  std::string prefix;           /* "" or "/a/b": the path a proxy maps to
                                 * the server's `/` (no trailing '/') */

  bool empty () const { return scheme.empty (); }
  /* scheme://authority + prefix + @path (+ '?' + @query when non-NULL). */
  std::string url (const std::string & path, const char *query = nullptr)
      const;
};

/* Whether @text (@len bytes) is a host a URL may name, with an optional
 * port: a DNS name or IPv4 address (letters, digits, '-', '.', '_'), or
 * an IPv6 address in brackets, then ':' and a port (1-5 digits, at
 * most 65535). What a Host
 * header says is checked with it before it goes into a URL or TwiML. */
bool valid_authority (const char *text, size_t len);

/* @text ("https://voice.example.com", "http://127.0.0.1:8080/voice/") as
 * a PublicUrl: scheme http or https (lower-cased), a valid authority, a
 * path (RFC 3986 characters; trailing '/' dropped), no query, no
 * fragment, no user. "" gives an empty one. False when @text is none of
 * these. */
bool parse_public_url (const std::string & text, PublicUrl * out);

/* The WebSocket scheme of an HTTP one: https → wss, http → ws. */
const char *websocket_scheme (const std::string & http_scheme);

}  // namespace sessionctx
