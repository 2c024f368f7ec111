/* Unit tests: Twilio's request signature (http/twiliosignature.h), the
 * public URL and host checks (http/publicurl.h), the TwiML (http/twilio.h),
 * the counters (core/telephonemetrics.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common/wait.h"
#include "http/publicurl.h"
#include "http/twilio.h"
#include "http/twiliosignature.h"

#include <gst/gst.h>

#include <string>

using namespace sessionctx;

namespace {

const std::string kDocsUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";

/* The example call of Twilio's security documentation, with the caller
 * number of one of its published versions. */
FormParams
docs_params (const char *caller)
{
  return {
    {"CallSid", "CA1234567890ABCDE"}, {"Caller", caller}, {"Digits", "1234"},
    {"From", caller}, {"To", "+18005551212"},
  };
}

}  // namespace

/* Twilio's published examples (auth token 12345, the URL above): its
 * Webhooks security page, current (+14158675310) and earlier
 * (+12349013030), and twilio-python's own test (+14158675309). Each was
 * also computed here with Python's hmac and hashlib. */
static void
test_twilio_signature_vectors ()
{
  assert_str_eq (twilio_signature (kDocsUrl, docs_params ("+14158675310"),
          "12345"), "GvWf1cFY/Q7PnoempGyD5oXAezc=");
  assert_str_eq (twilio_signature (kDocsUrl, docs_params ("+12349013030"),
          "12345"), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  assert_str_eq (twilio_signature (kDocsUrl, docs_params ("+14158675309"),
          "12345"), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");

  FormParams p = docs_params ("+14158675310");
  const char *sig = "GvWf1cFY/Q7PnoempGyD5oXAezc=";
  g_assert_true (twilio_signature_valid (kDocsUrl, p, "12345", sig));
  /* The order the parameters came in does not matter. */
  FormParams reversed (p.rbegin (), p.rend ());
  g_assert_true (twilio_signature_valid (kDocsUrl, reversed, "12345", sig));

  /* Tampered: a parameter's value, a parameter more or less, the URL (its
   * query, path, scheme, host), the token, the signature itself. */
  FormParams t = p;
  t[2].second = "1235";
  g_assert_false (twilio_signature_valid (kDocsUrl, t, "12345", sig));
  t = p;
  t.emplace_back ("Extra", "");
  g_assert_false (twilio_signature_valid (kDocsUrl, t, "12345", sig));
  t = p;
  t.pop_back ();
  g_assert_false (twilio_signature_valid (kDocsUrl, t, "12345", sig));
  g_assert_false (twilio_signature_valid
      ("https://mycompany.com/myapp.php?foo=1&bar=3", p, "12345", sig));
  g_assert_false (twilio_signature_valid
      ("https://mycompany.com/myapp.php", p, "12345", sig));
  g_assert_false (twilio_signature_valid
      ("http://mycompany.com/myapp.php?foo=1&bar=2", p, "12345", sig));
  g_assert_false (twilio_signature_valid
      ("https://evil.example/myapp.php?foo=1&bar=2", p, "12345", sig));
  g_assert_false (twilio_signature_valid (kDocsUrl, p, "12346", sig));
  g_assert_false (twilio_signature_valid (kDocsUrl, p, "", sig));
  g_assert_false (twilio_signature_valid (kDocsUrl, p, "12345",
          "GvWf1cFY/Q7PnoempGyD5oXAezd="));
  g_assert_false (twilio_signature_valid (kDocsUrl, p, "12345",
          "GvWf1cFY/Q7PnoempGyD5oXAezc"));
  g_assert_false (twilio_signature_valid (kDocsUrl, p, "12345",
          "GvWf1cFY/Q7PnoempGyD5oXAezc=="));
  g_assert_false (twilio_signature_valid (kDocsUrl, p, "12345", ""));
  g_assert_false (twilio_signature_valid (kDocsUrl, p, "12345", nullptr));
  /* Moving a character from a name to its value changes nothing in the
   * concatenation: Twilio's scheme cannot tell (documented, not ours). */
  FormParams moved = p;
  moved[2] = { "Digit", "s1234" };
  g_assert_true (twilio_signature_valid (kDocsUrl, moved, "12345", sig));

  /* A name given twice: both values, sorted. */
  FormParams twice { {"b", "2"}, {"a", "y"}, {"a", "x"} };
  FormParams sorted { {"a", "x"}, {"a", "y"}, {"b", "2"} };
  assert_str_eq (twilio_signature ("https://h/p", twice, "k"),
      twilio_signature ("https://h/p", sorted, "k"));
  /* Sorted bytewise (case-sensitive, "Unix-style"): "B" before "a". */
  FormParams cased { {"a", "1"}, {"B", "2"} };
  FormParams cased_sorted { {"B", "2"}, {"a", "1"} };
  assert_str_eq (twilio_signature ("https://h/p", cased, "k"),
      twilio_signature ("https://h/p", cased_sorted, "k"));

  /* The port: Twilio's validators accept the URL with and without it. */
  auto v = twilio_url_variants ("https://h.example/x?y=1");
  g_assert_cmpuint (v.size (), ==, 2);
  assert_str_eq (v[1], "https://h.example:443/x?y=1");
  v = twilio_url_variants ("wss://h.example/telephone/handler");
  assert_str_eq (v[1], "wss://h.example:443/telephone/handler");
  v = twilio_url_variants ("http://h.example:8080/x");
  assert_str_eq (v[1], "http://h.example/x");
  v = twilio_url_variants ("ws://[::1]:8080/x");
  assert_str_eq (v[1], "ws://[::1]/x");
  v = twilio_url_variants ("ws://[::1]/x");
  assert_str_eq (v[1], "ws://[::1]:80/x");
  v = twilio_url_variants ("http://h.example");
  assert_str_eq (v[1], "http://h.example:80");
  g_assert_cmpuint (twilio_url_variants ("no url").size (), ==, 1);
  std::string with_port = twilio_signature ("https://mycompany.com:443/"
      "myapp.php?foo=1&bar=2", p, "12345");
  g_assert_true (twilio_signature_valid (kDocsUrl, p, "12345",
          with_port.c_str ()));
  g_assert_true (twilio_signature_valid ("https://mycompany.com:443/myapp.php"
          "?foo=1&bar=2", p, "12345", sig));
  /* Another port is another URL. */
  g_assert_false (twilio_signature_valid ("https://mycompany.com:8443/"
          "myapp.php?foo=1&bar=2", p, "12345", with_port.c_str ()));

  /* A WebSocket upgrade: the wss URL alone. */
  std::string ws = twilio_signature ("wss://h.example/telephone/handler", {},
      "12345");
  g_assert_cmpuint (ws.size (), ==, 28);
  g_assert_true (twilio_signature_valid ("wss://h.example/telephone/handler",
          {}, "12345", ws.c_str ()));
  g_assert_false (twilio_signature_valid ("ws://h.example/telephone/handler",
          {}, "12345", ws.c_str ()));
}

/* application/x-www-form-urlencoded, as Twilio posts it. */
static void
test_twilio_form ()
{
  FormParams f;
  const char *body = "CallSid=CA1234567890ABCDE&Caller=%2B14158675310"
      "&Digits=1234&From=%2B14158675310&To=%2B18005551212";
  g_assert_true (parse_form (body, strlen (body), &f));
  g_assert_cmpuint (f.size (), ==, 5);
  assert_str_eq (f[1].first, "Caller");
  assert_str_eq (f[1].second, "+14158675310");
  assert_str_eq (twilio_signature (kDocsUrl, f, "12345"),
      "GvWf1cFY/Q7PnoempGyD5oXAezc=");

  const char *odd = "a+b=c+d%20e&&=x&flag&e=&%41%62=%e2%82%ac&n=%00";
  g_assert_true (parse_form (odd, strlen (odd), &f));
  g_assert_cmpuint (f.size (), ==, 6);
  assert_str_eq (f[0].first, "a b");
  assert_str_eq (f[0].second, "c d e");
  assert_str_eq (f[1].first, "");
  assert_str_eq (f[1].second, "x");
  assert_str_eq (f[2].first, "flag");
  assert_str_eq (f[2].second, "");
  assert_str_eq (f[3].first, "e");
  assert_str_eq (f[3].second, "");
  assert_str_eq (f[4].first, "Ab");
  assert_str_eq (f[4].second, "\xe2\x82\xac");
  g_assert_cmpuint (f[5].second.size (), ==, 1);
  g_assert_cmpint (f[5].second[0], ==, 0);
  /* Only the first '=' splits. */
  g_assert_true (parse_form ("a=b=c", 5, &f));
  assert_str_eq (f[0].second, "b=c");

  g_assert_true (parse_form ("", 0, &f));
  g_assert_cmpuint (f.size (), ==, 0);
  for (const char *bad : { "a=%", "a=%4", "a=%zz", "%g1=b", "a=b&c=%2" })
    g_assert_false (parse_form (bad, strlen (bad), &f));
}

/* public-url, Host values, the request URL, the TwiML. */
static void
test_twilio_public_url ()
{
  PublicUrl u;
  g_assert_true (parse_public_url ("", &u));
  g_assert_true (u.empty ());
  g_assert_true (parse_public_url ("HTTPS://Voice.example.com", &u));
  assert_str_eq (u.scheme, "https");
  assert_str_eq (u.authority, "Voice.example.com");
  assert_str_eq (u.prefix, "");
  assert_str_eq (u.url ("/telephone/incoming", "token=x"),
      "https://Voice.example.com/telephone/incoming?token=x");
  g_assert_true (parse_public_url ("http://127.0.0.1:8080/voice/a/", &u));
  assert_str_eq (u.authority, "127.0.0.1:8080");
  assert_str_eq (u.prefix, "/voice/a");
  assert_str_eq (u.url ("/telephone/handler"),
      "http://127.0.0.1:8080/voice/a/telephone/handler");
  g_assert_true (parse_public_url ("https://[2001:db8::1]:8443/", &u));
  assert_str_eq (u.authority, "[2001:db8::1]:8443");
  assert_str_eq (u.prefix, "");
  for (const char *bad : { "voice.example.com", "ftp://h", "https://",
          "https:///x", "https://h/x?y=1", "https://h/x#f", "https://u@h/",
          "https://h:/", "https://h:123456/", "https://h /", "https://h/a b",
          "https://h\"/", "wss://h" })
    g_assert_false (parse_public_url (bad, &u));

  auto ok = [](const char *s) {
    return valid_authority (s, strlen (s));
  };
  g_assert_true (ok ("example.com"));
  g_assert_true (ok ("a-b.example_x.com:443"));
  g_assert_true (ok ("127.0.0.1:8080"));
  g_assert_true (ok ("[::1]"));
  g_assert_true (ok ("[::ffff:127.0.0.1]:80"));
  g_assert_true (ok ("h:65535"));
  g_assert_true (ok ("h:0"));
  for (const char *bad : { "", ":80", "h:", "h:1x", "h:123456", "h:65536",
          "h:99999", "h\"><x",
          "h/x", "h?x", "h x", "[::1", "[]", "[::1]x", "[g::1]", "u@h",
          "h\r\nX-Evil: 1" })
    g_assert_false (ok (bad));
  std::string longest (255, 'a');
  g_assert_true (ok ((longest + ":65535").c_str ()));
  g_assert_false (ok ((longest + "a:65535").c_str ()));

  assert_str_eq (websocket_scheme ("https"), "wss");
  assert_str_eq (websocket_scheme ("http"), "ws");

  assert_str_eq (xml_escape ("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  assert_str_eq (twiml_connect ("wss://h/telephone/handler?a=1&b=2"),
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
      "<Say>Connecting to the AI assistant.</Say><Connect>"
      "<Stream url=\"wss://h/telephone/handler?a=1&amp;b=2\" /></Connect>"
      "<Say>The call has been disconnected.</Say></Response>");
}

/* core/telephonemetrics.h: what /metrics says of the webhook and the
 * refusals (fixed labels; a status not listed is not counted). */
static void
test_twilio_counters ()
{
  TelephoneCounters c;
  c.webhook (200);
  c.webhook (200);
  c.webhook (403);
  c.webhook (418);
  c.signature_refused (TelephoneCounters::incoming, TelephoneCounters::missing);
  c.signature_refused (TelephoneCounters::handler, TelephoneCounters::invalid);
  c.signature_refused (TelephoneCounters::handler, TelephoneCounters::invalid);
  std::string text;
  c.render (text);
  for (const char *line : {
          "sessionctx_twilio_webhook_requests_total{code=\"200\"} 2\n",
          "sessionctx_twilio_webhook_requests_total{code=\"403\"} 1\n",
          "sessionctx_twilio_webhook_requests_total{code=\"503\"} 0\n",
          "sessionctx_twilio_signature_refusals_total{route=\"/telephone/"
          "incoming\",reason=\"missing\"} 1\n",
          "sessionctx_twilio_signature_refusals_total{route=\"/telephone/"
          "handler\",reason=\"invalid\"} 2\n",
          "# TYPE sessionctx_twilio_webhook_requests_total counter\n",
          "# TYPE sessionctx_twilio_signature_refusals_total counter\n" })
    g_assert_nonnull (strstr (text.c_str (), line));
  g_assert_null (strstr (text.c_str (), "418"));
  Metrics m;
  g_assert_nonnull (strstr (m.render ().c_str (),
          "sessionctx_twilio_webhook_requests_total{code=\"200\"} 0\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/twilio/signature-vectors", test_twilio_signature_vectors);
  g_test_add_func ("/twilio/form", test_twilio_form);
  g_test_add_func ("/twilio/public-url", test_twilio_public_url);
  g_test_add_func ("/twilio/counters", test_twilio_counters);
  return g_test_run ();
}
