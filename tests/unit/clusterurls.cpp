/* Unit tests: the cluster directory's addresses (cluster/clusterurls.h):
 * the Redis URL of `directory` and the `instance-url`.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cluster/clusterurls.h"

#include <glib.h>

#include <string>

using namespace sessionctx;

/* redis://host[:port][/db]: hosts, IPv6 in brackets, default port and
 * db; anything else refused. */
static void
test_redis_urls ()
{
  struct Good
  {
    const char *url;
    const char *host;
    guint port;
    guint db;
  } good[] = {
    {"redis://127.0.0.1:6379", "127.0.0.1", 6379, 0},
    {"redis://localhost", "localhost", 6379, 0},
    {"redis://redis.internal:7000/3", "redis.internal", 7000, 3},
    {"redis://[::1]:6380/1", "::1", 6380, 1},
    {"redis://[::1]", "::1", 6379, 0},
    {"redis://h:1/", "h", 1, 0},
  };
  for (const Good & g : good) {
    RedisAddress a;
    g_assert_true (parse_redis_url (g.url, &a));
    g_assert_cmpstr (a.host.c_str (), ==, g.host);
    g_assert_cmpuint (a.port, ==, g.port);
    g_assert_cmpuint (a.db, ==, g.db);
  }
  const char *bad[] = {
    "", "redis://", "http://127.0.0.1:6379", "rediss://h:1", "redis://:6379",
    "redis://h:", "redis://h:0", "redis://h:65536", "redis://h:12a",
    "redis://h:123456", "redis://user:pw@h:1", "redis://h:1?db=2",
    "redis://h:1#x", "redis://h:1/x", "redis://h:1/999999", "redis://h 1",
    "redis://h\n:1", "redis://[::1", "redis://[::1]x", "redis://[::1]:",
    "redis://h\xc3\xa9:1",
  };
  for (const char *url : bad) {
    RedisAddress a;
    g_assert_false (parse_redis_url (url, &a));
  }
}

/* @url checked, as @expected (empty: refused). */
static void
assert_instance (const std::string & url, const char *expected)
{
  const std::string checked = check_instance_url (url);
  g_assert_cmpstr (checked.c_str (), ==, expected);
}

/* http(s)://host[:port][/path]: trailing '/'s dropped; no query,
 * fragment, space or control character; at most 512 bytes. */
static void
test_instance_urls ()
{
  assert_instance ("http://127.0.0.1:8081", "http://127.0.0.1:8081");
  assert_instance ("https://a.example/voice//", "https://a.example/voice");
  assert_instance ("http://[::1]:9/", "http://[::1]:9");
  const char *bad[] = {
    "", "http://", "https:///x", "http://:80", "ftp://h", "h:80",
    "http://h/?a=1", "http://h/#x", "http://h /x", "http://h\n",
    "http://h\x7f", "http://h\xc3\xa9",
  };
  for (const char *url : bad)
    assert_instance (url, "");
  assert_instance ("http://h/" + std::string (600, 'a'), "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clusterurls/redis", test_redis_urls);
  g_test_add_func ("/clusterurls/instance", test_instance_urls);
  return g_test_run ();
}
