/* The two addresses of a cluster directory: where Redis is
 * (`redis://host:port[/db]`) and where the other instances reach this
 * one (`http(s)://host[:port][/path]`, the instance URL).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <string>

namespace sessionctx {

struct RedisAddress
{
  std::string host;
  guint port = 6379;
  guint db = 0;
};

/* `redis://host[:port][/db]` (an IPv6 host in brackets; db 0-15 by
 * default Redis, any number taken here): fills @out, else false. No
 * user, password, query or fragment. */
bool parse_redis_url (const std::string & url, RedisAddress * out);

/* An http:// or https:// URL with a host, no query, no fragment, no
 * control characters or spaces, at most 512 bytes: its trailing '/'s
 * dropped (paths are appended to it), else empty. */
std::string check_instance_url (const std::string & url);

}  // namespace sessionctx
