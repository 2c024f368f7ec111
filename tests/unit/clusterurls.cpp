/* Unit tests: the cluster directory's addresses (cluster/clusterurls.h):
 * the Redis URL of `directory` and the `instance-url`; what an entry read
 * back makes a context of (cluster/clusterentry.h), and a lookup by id
 * with no Redis to ask (cluster/clusterlookup.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cluster/clusterentry.h"
#include "cluster/clusterlookup.h"
#include "cluster/clusterurls.h"

#include <glib.h>

#include <condition_variable>
#include <mutex>
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

/* An entry's transport, dialect and remote address; entries without a
 * known transport or dialect refused, a remote address that is not plain
 * text left out. */
static void
test_entry_context ()
{
  auto context_of = [](const std::string & json, ClusterEntryContext * c) {
    const std::string value = "http://10.0.0.1:8081\n" + json;
    ClusterEntry e;
    g_assert_true (parse_cluster_entry ("s1", value.data (), value.size (),
            &e));
    return cluster_entry_context (e, c);
  };
  ClusterEntryContext c;
  g_assert_true (context_of ("{\"transport\":\"websocket\",\"dialect\":"
          "\"twilio\",\"remote-address\":\"127.0.0.1:4000\"}", &c));
  g_assert_cmpint (c.transport, ==, GST_SESSION_TRANSPORT_WEBSOCKET);
  g_assert_cmpint (c.dialect, ==, GST_SESSION_DIALECT_TWILIO);
  g_assert_cmpstr (c.remote.c_str (), ==, "127.0.0.1:4000");
  g_assert_true (context_of ("{\"transport\":\"webrtc\",\"dialect\":"
          "\"fastrtc\"}", &c));
  g_assert_cmpint (c.transport, ==, GST_SESSION_TRANSPORT_WEBRTC);
  g_assert_cmpint (c.dialect, ==, GST_SESSION_DIALECT_FASTRTC);
  g_assert_cmpstr (c.remote.c_str (), ==, "");
  for (const char *bad : {"{}", "{\"transport\":\"websocket\"}",
          "{\"transport\":\"sip\",\"dialect\":\"twilio\"}",
          "{\"transport\":1,\"dialect\":\"twilio\"}",
          "{\"transport\":\"websocket\",\"dialect\":[\"twilio\"]}"})
    g_assert_false (context_of (bad, &c));
  /* Values parse_cluster_entry refuses: no instance URL before the
   * newline; a string json-glib would write back with a raw U+001F; an
   * octal escape (GScanner's) making a byte that is no UTF-8. */
  ClusterEntry e;
  for (const std::string & value : {std::string ("\n{\"a\":1}"),
          std::string ("http://h\n{\"a\":\"\\\x1f\"}"),
          std::string ("http://h\n{\"a\":\"\x1f\"}"),
          std::string ("http://h\n{\"a\\607\":1}")})
    g_assert_false (parse_cluster_entry ("s1", value.data (), value.size (),
            &e));
  const std::string long_remote (kMaxClusterRemote + 1, 'a');
  for (const std::string & remote : {std::string ("1.2.3.4\\n:5"),
          std::string ("\\u0007"), long_remote}) {
    g_assert_true (context_of ("{\"transport\":\"websocket\",\"dialect\":"
            "\"fastrtc\",\"remote-address\":\"" + remote + "\"}", &c));
    g_assert_cmpstr (c.remote.c_str (), ==, "");
  }
}

/* No Redis listening: each id asked is answered with nothing, after its
 * retry (kClusterLookupRetryS), no GET sent; the destructor joins. */
static void
test_lookup_unreachable ()
{
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> answered;
  RedisAddress redis;
  g_assert_true (parse_redis_url ("redis://127.0.0.1:1", &redis));
  gint64 t0 = g_get_monotonic_time ();
  {
    ClusterLookup lookup (redis, [&](const std::string & id,
            const ClusterEntry * e) {
          g_assert_null (e);
          std::lock_guard < std::mutex > l (m);
          answered.push_back (id);
          cv.notify_all ();
        });
    g_assert_true (lookup.ask ("a"));
    g_assert_true (lookup.ask ("b"));
    std::unique_lock < std::mutex > l (m);
    g_assert_true (cv.wait_for (l, std::chrono::seconds (20),
            [&] { return answered.size () == 2; }));
    g_assert_cmpuint (lookup.lookups (), ==, 0);
    g_assert_cmpuint (lookup.found (), ==, 0);
  }
  g_assert_cmpint (g_get_monotonic_time () - t0, >=,
      (gint64) kClusterLookupRetryS * G_USEC_PER_SEC);
  g_assert_cmpstr (answered[0].c_str (), ==, "a");
  g_assert_cmpstr (answered[1].c_str (), ==, "b");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clusterurls/redis", test_redis_urls);
  g_test_add_func ("/clusterurls/instance", test_instance_urls);
  g_test_add_func ("/clusterurls/entry-context", test_entry_context);
  g_test_add_func ("/clusterurls/lookup-unreachable", test_lookup_unreachable);
  return g_test_run ();
}
