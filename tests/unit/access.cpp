/* Unit tests: the access decisions (token, origins, per-address limits).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common/wait.h"
#include "http/access.h"

#include <gst/gst.h>

#include <string>

using namespace sessionctx;

/* access.h: the decisions, from what a request says. */
static void
test_access_rules ()
{
  const std::string token = "abc123";
  g_assert_true (token_equal ("abc123", 6, token));
  g_assert_false (token_equal ("abc12", 5, token));
  g_assert_false (token_equal ("abc1234", 7, token));
  g_assert_false (token_equal ("abc124", 6, token));
  g_assert_false (token_equal ("", 0, ""));     /* no token never matches */

  auto list = split_list (" a, ,b ,c,");
  g_assert_cmpuint (list.size (), ==, 3);
  assert_str_eq (list[1], "b");

  std::vector<std::string> trusted { "10.0.0.1", "10.0.0.2" };
  /* Untrusted peer: the header is ignored. */
  assert_str_eq (resolve_client_address ("1.2.3.4", "5.6.7.8", trusted),
      "1.2.3.4");
  /* Right-most untrusted entry; trusted hops skipped; spoofed left part
   * ignored. */
  assert_str_eq (resolve_client_address ("10.0.0.1", "9.9.9.9, 5.6.7.8, "
          "10.0.0.2", trusted), "5.6.7.8");
  assert_str_eq (resolve_client_address ("10.0.0.1", "[2001:db8::1]:443",
          trusted), "2001:db8::1");
  assert_str_eq (resolve_client_address ("10.0.0.1", "5.6.7.8:1234",
          trusted), "5.6.7.8");
  /* Garbage: the hop that wrote it is the client as far as we know. */
  assert_str_eq (resolve_client_address ("10.0.0.1", "5.6.7.8, <script>, "
          "10.0.0.2", trusted), "10.0.0.2");
  assert_str_eq (resolve_client_address ("10.0.0.1", "10.0.0.2", trusted),
      "10.0.0.2");
  assert_str_eq (resolve_client_address ("10.0.0.1", nullptr, trusted),
      "10.0.0.1");

  ServerConfig c;
  c.auth_token = token;
  c.allowed_origins = "https://a.example, http://b.example:8080";
  c.trusted_proxies = "10.0.0.1, not-an-ip";
  Access a (c);
  using V = Access::Verdict;
  g_assert_true (a.check (nullptr, nullptr, nullptr) == V::unauthorized);
  g_assert_true (a.check ("Bearer abc123", nullptr, nullptr) == V::allowed);
  g_assert_true (a.check ("bearer abc123 ", nullptr, nullptr) == V::allowed);
  g_assert_true (a.check ("Basic abc123", nullptr, nullptr) ==
      V::unauthorized);
  g_assert_true (a.check (nullptr, "x=1&token=abc123", nullptr) ==
      V::allowed);
  g_assert_true (a.check (nullptr, "token=abc%31%32%33", nullptr) ==
      V::allowed);
  g_assert_true (a.check (nullptr, "token=abc12", nullptr) ==
      V::unauthorized);
  g_assert_true (a.check ("Bearer abc123", nullptr, "https://evil.example")
      == V::forbidden_origin);
  g_assert_true (a.check ("Bearer abc123", nullptr, "HTTPS://A.example") ==
      V::allowed);
  /* A preflight carries no credentials, but its origin still counts. */
  g_assert_true (a.check (nullptr, nullptr, "http://b.example:8080", true)
      == V::allowed);
  g_assert_true (a.check (nullptr, nullptr, "http://b.example", true) ==
      V::forbidden_origin);
  std::string allow;
  g_assert_true (a.cors_origin ("http://b.example:8080", &allow));
  assert_str_eq (allow, "http://b.example:8080");
  g_assert_false (a.cors_origin ("http://c.example", &allow));
  g_assert_false (a.cors_origin (nullptr, &allow));
  g_assert_true (a.forwarding_trusted ("10.0.0.1"));
  g_assert_false (a.forwarding_trusted ("10.0.0.2"));

  Access open ((ServerConfig ()));
  g_assert_true (open.check (nullptr, nullptr, "https://any.example") ==
      V::allowed);
  g_assert_true (open.cors_origin (nullptr, &allow));
  assert_str_eq (allow, "*");

  AddressCounter n;
  g_assert_true (n.acquire ("1.1.1.1", 2));
  g_assert_true (n.acquire ("1.1.1.1", 2));
  g_assert_false (n.acquire ("1.1.1.1", 2));
  g_assert_true (n.acquire ("2.2.2.2", 2));
  n.release ("1.1.1.1");
  g_assert_cmpuint (n.count ("1.1.1.1"), ==, 1);
  g_assert_true (n.acquire ("1.1.1.1", 2));
  n.release ("9.9.9.9");        /* never counted: no effect */
  g_assert_cmpuint (n.count ("9.9.9.9"), ==, 0);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/access/rules", test_access_rules);
  return g_test_run ();
}
