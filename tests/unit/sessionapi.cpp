/* Unit tests: the session API's request parsing (http/apirequest.h), its
 * access rule (api-token) and its counters.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common/wait.h"
#include "core/apimetrics.h"
#include "core/serverconfig.h"
#include "http/access.h"
#include "http/apirequest.h"
#include "strictjson.h"

#include <gst/gst.h>

#include <cstring>
#include <string>

using namespace sessionctx;

static ApiRequest
parse (const char *method, const std::string & path)
{
  return parse_api_path (method, path.data (), path.size ());
}

/* Routes by method and path; ids percent-decoded; every refusal with
 * its status and code. */
static void
test_paths ()
{
  struct Route
  {
    const char *method, *path;
    ApiRoute route;
    guint status;
    const char *id;
  } routes[] = {
    {"GET", "/sessions", ApiRoute::list, 200, ""},
    {"HEAD", "/sessions/", ApiRoute::list, 200, ""},
    {"GET", "/sessions/alice", ApiRoute::get, 200, "alice"},
    {"HEAD", "/sessions/alice", ApiRoute::get, 200, "alice"},
    {"DELETE", "/sessions/alice", ApiRoute::end, 200, "alice"},
    {"POST", "/sessions/alice/message", ApiRoute::message, 200, "alice"},
    {"POST", "/sessions/alice/clear", ApiRoute::clear, 200, "alice"},
    /* Escapes: a '/' of the id, a space, UTF-8, '+' kept. */
    {"GET", "/sessions/a%2Fb", ApiRoute::get, 200, "a/b"},
    {"POST", "/sessions/a%2Fb/clear", ApiRoute::clear, 200, "a/b"},
    {"GET", "/sessions/a%20b+c", ApiRoute::get, 200, "a b+c"},
    {"GET", "/sessions/%C3%A9l%C3%A8ve", ApiRoute::get, 200, "élève"},
    {"GET", "/sessions/%2e%2E", ApiRoute::get, 200, ".."},
    {"GET", "/sessions/..", ApiRoute::get, 200, ".."},
    {"GET", "/sessions/%22%5C", ApiRoute::get, 200, "\"\\"},
  };
  for (auto & r : routes) {
    ApiRequest q = parse (r.method, r.path);
    g_assert_cmpint ((int) q.route, ==, (int) r.route);
    g_assert_cmpuint (q.status, ==, r.status);
    g_assert_null (q.error);
    assert_str_eq (q.id, r.id);
  }

  struct Refusal
  {
    const char *method, *path;
    guint status;
    const char *error, *allow;
  } refusals[] = {
    {"POST", "/sessions", 405, "method_not_allowed", "GET, HEAD"},
    {"DELETE", "/sessions", 405, "method_not_allowed", "GET, HEAD"},
    {"PUT", "/sessions/a", 405, "method_not_allowed", "GET, HEAD, DELETE"},
    {"POST", "/sessions/a", 405, "method_not_allowed", "GET, HEAD, DELETE"},
    {"GET", "/sessions/a/message", 405, "method_not_allowed", "POST"},
    {"DELETE", "/sessions/a/clear", 405, "method_not_allowed", "POST"},
    {"get", "/sessions", 405, "method_not_allowed", "GET, HEAD"},
    {nullptr, "/sessions", 405, "method_not_allowed", "GET, HEAD"},
    {"GET", "/sessionsX", 404, "not_found", nullptr},
    {"GET", "/session", 404, "not_found", nullptr},
    {"GET", "/", 404, "not_found", nullptr},
    {"GET", "", 404, "not_found", nullptr},
    {"POST", "/sessions/a/hangup", 404, "not_found", nullptr},
    {"POST", "/sessions/a/message/", 404, "not_found", nullptr},
    {"POST", "/sessions/a/clear/x", 404, "not_found", nullptr},
    {"GET", "/sessions/a/", 404, "not_found", nullptr},
    /* Ids no session can have. */
    {"GET", "/sessions/a%", 400, "invalid_session_id", nullptr},
    {"GET", "/sessions/a%4", 400, "invalid_session_id", nullptr},
    {"GET", "/sessions/a%ZZ", 400, "invalid_session_id", nullptr},
    {"GET", "/sessions/a%00b", 400, "invalid_session_id", nullptr},
    {"GET", "/sessions/a%0Ab", 400, "invalid_session_id", nullptr},
    {"GET", "/sessions/a%7F", 400, "invalid_session_id", nullptr},
    {"GET", "/sessions/%C3", 400, "invalid_session_id", nullptr},
    {"GET", "/sessions/%FF%FE", 400, "invalid_session_id", nullptr},
    {"GET", "/sessions/%ED%A0%80", 400, "invalid_session_id", nullptr},
    {"POST", "/sessions//message", 400, "invalid_session_id", nullptr},
    {"DELETE", "/sessions/%", 400, "invalid_session_id", nullptr},
  };
  for (auto & r : refusals) {
    ApiRequest q = parse (r.method, r.path);
    g_assert_cmpuint (q.status, ==, r.status);
    g_assert_cmpstr (q.error, ==, r.error);
    g_assert_cmpstr (q.allow, ==, r.allow);
    g_assert_true (q.id.empty ());
    g_assert_false (q.detail.empty ());
  }
  g_assert_cmpint ((int) parse ("PUT", "/sessions/a").route, ==,
      (int) ApiRoute::other);
  g_assert_cmpint ((int) parse ("GET", "/sessions/a%ZZ").route, ==,
      (int) ApiRoute::get);

  /* Lengths: 128 bytes decoded pass, 129 do not; the encoded form is
   * bounded before decoding (10 KB). */
  g_assert_cmpuint (parse ("GET", "/sessions/" + std::string (128,
              'a')).status, ==, 200);
  g_assert_cmpuint (parse ("GET", "/sessions/" + std::string (129,
              'a')).status, ==, 400);
  std::string enc;
  for (int i = 0; i < 128; i++)
    enc += "%41";
  ApiRequest q = parse ("GET", "/sessions/" + enc);
  g_assert_cmpuint (q.status, ==, 200);
  assert_str_eq (q.id, std::string (128, 'A'));
  g_assert_cmpuint (parse ("GET", "/sessions/" + enc + "%41").status, ==,
      400);
  g_assert_cmpuint (parse ("GET", "/sessions/" + std::string (10240,
              'a')).status, ==, 400);
  /* A NUL byte in the path as given (not an escape) is refused too. */
  std::string nul ("/sessions/a\0b", 13);
  g_assert_cmpuint (parse ("GET", nul).status, ==, 400);
  /* NULL path. */
  g_assert_cmpuint (parse_api_path ("GET", nullptr, 0).status, ==, 404);
}

/* A message: application/json (any case, charset utf-8 only), at most
 * kApiMaxBody bytes, one JSON object. */
static void
test_messages ()
{
  struct Case
  {
    const char *type;
    std::string body;
    guint status;
    const char *error;
  } cases[] = {
    {"application/json", "{\"type\":\"log\",\"data\":1}", 200, nullptr},
    {"Application/JSON", "{}", 200, nullptr},
    {"application/json; charset=utf-8", "{}", 200, nullptr},
    {"application/json;charset=\"UTF-8\"", "{}", 200, nullptr},
    {"application/json; foo=bar", " {\"a\":[1,2,{}]} ", 200, nullptr},
    {"application/json; charset=latin1", "{}", 415, "unsupported_media_type"},
    {"text/plain", "{}", 415, "unsupported_media_type"},
    {"application/jsonx", "{}", 415, "unsupported_media_type"},
    {"", "{}", 415, "unsupported_media_type"},
    {nullptr, "{}", 415, "unsupported_media_type"},
    {"application/json", "", 400, "invalid_json"},
    {"application/json", "{", 400, "invalid_json"},
    {"application/json", "{\"a\":1}x", 400, "invalid_json"},
    {"application/json", "{\"a\":\"\xff\"}", 400, "invalid_json"},
    {"application/json", "{\"a\":\"\\ud800\"}", 400, "invalid_json"},
    {"application/json", "{'a':1}", 400, "invalid_json"},
    {"application/json", "[1]", 400, "invalid_message"},
    {"application/json", "\"text\"", 400, "invalid_message"},
    {"application/json", "null", 400, "invalid_message"},
    {"application/json", "42", 400, "invalid_message"},
  };
  for (auto & c : cases) {
    ApiBody b = check_api_message (c.type, c.body.data (), c.body.size ());
    g_assert_cmpuint (b.status, ==, c.status);
    g_assert_cmpstr (b.error, ==, c.error);
    if (c.error)
      g_assert_false (b.detail.empty ());
  }
  /* The size limit, whatever the type and content. */
  std::string big = "{\"a\":\"" + std::string (kApiMaxBody, 'x') + "\"}";
  ApiBody b = check_api_message ("text/plain", big.data (), big.size ());
  g_assert_cmpuint (b.status, ==, 413);
  g_assert_cmpstr (b.error, ==, "payload_too_large");
  std::string fits = "{\"a\":\"" + std::string (kApiMaxBody - 8, 'x') + "\"}";
  g_assert_cmpuint (fits.size (), ==, kApiMaxBody);
  g_assert_cmpuint (check_api_message ("application/json", fits.data (),
          fits.size ()).status, ==, 200);
  /* An embedded NUL is not JSON. */
  std::string nul ("{\"a\":\"\0\"}", 9);
  g_assert_cmpuint (check_api_message ("application/json", nul.data (),
          nul.size ()).status, ==, 400);

  /* The failed reply is JSON whatever the detail holds. */
  g_assert_true (StrictJson::valid (api_failed_reply ("invalid_json",
              "a \"quoted\" \\ detail\n")));
  assert_str_eq (api_failed_reply ("not_found", ""),
      "{\"status\":\"failed\",\"meta\":{\"error\":\"not_found\"}}");
}

/* access.h: the api-token opens the API, only as a Bearer token; the
 * auth-token does not; origins apply. */
static void
test_access ()
{
  ServerConfig c;
  c.auth_token = "client-token";
  c.api_token = "api-token";
  c.allowed_origins = "https://ok.example";
  Access a (c);
  g_assert_true (a.api_enabled ());
  g_assert_true (a.check_api ("Bearer api-token", nullptr) ==
      Access::Verdict::allowed);
  g_assert_true (a.check_api ("bearer api-token", nullptr) ==
      Access::Verdict::allowed);
  g_assert_true (a.check_api ("Bearer client-token", nullptr) ==
      Access::Verdict::unauthorized);
  g_assert_true (a.check_api ("Bearer api-tokenx", nullptr) ==
      Access::Verdict::unauthorized);
  g_assert_true (a.check_api ("Basic api-token", nullptr) ==
      Access::Verdict::unauthorized);
  g_assert_true (a.check_api (nullptr, nullptr) ==
      Access::Verdict::unauthorized);
  g_assert_true (a.check_api ("Bearer api-token", "https://ok.example") ==
      Access::Verdict::allowed);
  g_assert_true (a.check_api ("Bearer api-token", "https://evil.example") ==
      Access::Verdict::forbidden_origin);
  /* The API's token does not open the rest of the port. */
  g_assert_true (a.check ("Bearer api-token", nullptr, nullptr) ==
      Access::Verdict::unauthorized);

  ServerConfig off;
  off.auth_token = "client-token";
  Access b (off);
  g_assert_false (b.api_enabled ());
  g_assert_true (b.check_api ("Bearer client-token", nullptr) ==
      Access::Verdict::unauthorized);
  g_assert_true (b.check_api ("Bearer ", nullptr) ==
      Access::Verdict::unauthorized);
}

/* sessionctx_api_requests_total: each route at 200 always, other pairs
 * once counted; an unknown status counts as 500. */
static void
test_counters ()
{
  ApiCounters c;
  c.request (ApiRoute::list, 200);
  c.request (ApiRoute::end, 404);
  c.request (ApiRoute::end, 404);
  c.request (ApiRoute::message, 418);
  g_assert_cmpuint (c.count (ApiRoute::end, 404), ==, 2);
  g_assert_cmpuint (c.count (ApiRoute::message, 500), ==, 1);
  std::string out;
  c.render (out);
  g_assert_nonnull (strstr (out.c_str (),
          "sessionctx_api_requests_total{route=\"list\",code=\"200\"} 1\n"));
  g_assert_nonnull (strstr (out.c_str (),
          "sessionctx_api_requests_total{route=\"end\",code=\"404\"} 2\n"));
  g_assert_nonnull (strstr (out.c_str (),
          "sessionctx_api_requests_total{route=\"clear\",code=\"200\"} 0\n"));
  g_assert_nonnull (strstr (out.c_str (),
          "sessionctx_api_requests_total{route=\"message\",code=\"500\"} 1\n"));
  g_assert_null (strstr (out.c_str (), "code=\"418\""));
  g_assert_null (strstr (out.c_str (), "route=\"clear\",code=\"404\""));
  assert_str_eq (api_route_name (ApiRoute::other), "other");
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sessionapi/paths", test_paths);
  g_test_add_func ("/sessionapi/messages", test_messages);
  g_test_add_func ("/sessionapi/access", test_access);
  g_test_add_func ("/sessionapi/counters", test_counters);
  return g_test_run ();
}
