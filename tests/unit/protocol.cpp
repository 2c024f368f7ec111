/* Unit tests: parsing of every message of PROTOCOL.md in both dialects
 * (the simdjson fast path against the json-glib reference), the replies,
 * the field-name budget.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common/messages.h"
#include "common/wait.h"
#include "strictjson.h"
#include "wire/mulaw.h"
#include "wire/protocol.h"

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <string>
#include <vector>

using namespace sessionctx;

/* ---------------- protocol ---------------- */

static ClientMessage
parse (GstSessionDialect d, const std::string & s)
{
  return parse_client_message (d, s.data (), s.size ());
}

static void
test_protocol_fastrtc ()
{
  const auto F = GST_SESSION_DIALECT_FASTRTC;
  auto m = parse (F, "{\"event\":\"start\",\"websocket_id\":\"k3j4h5\"}");
  g_assert_true (m.kind == MessageKind::start);
  g_assert_cmpstr (m.session_id.c_str (), ==, "k3j4h5");

  m = parse (F, "{\"event\":\"media\",\"media\":{\"payload\":\"AAEC/w==\"}}");
  g_assert_true (m.kind == MessageKind::media);
  g_assert_cmpuint (m.payload.size (), ==, 4);
  g_assert_cmpint (m.payload[3], ==, 0xFF);

  g_assert_true (parse (F, "{\"event\":\"ping\"}").kind == MessageKind::ping);
  g_assert_true (parse (F, "{\"event\":\"stop\"}").kind == MessageKind::stop);
  /* Application messages and unknown events go to the application. */
  g_assert_true (parse (F, "{\"type\":\"send_input\",\"data\":{\"x\":1}}").kind
      == MessageKind::application);
  g_assert_true (parse (F, "{\"event\":\"custom\",\"x\":1}").kind ==
      MessageKind::application);
  /* Twilio-only events are application messages in the FastRTC dialect. */
  g_assert_true (parse (F, "{\"event\":\"dtmf\",\"dtmf\":{\"digit\":\"1\"}}").
      kind == MessageKind::application);
}

/* The binary media extension's opt-in, in both dialects. */
static void
test_protocol_binary_media ()
{
  for (auto d : {GST_SESSION_DIALECT_FASTRTC, GST_SESSION_DIALECT_TWILIO}) {
    auto m = parse (d, "{\"event\":\"binary_media\"}");
    g_assert_true (m.kind == MessageKind::binary_media);
    g_assert_true (m.encoding == Encoding::mulaw);
    m = parse (d, "{\"event\":\"binary_media\",\"encoding\":\"s16le\"}");
    g_assert_true (m.kind == MessageKind::binary_media);
    g_assert_true (m.encoding == Encoding::s16le);
    m = parse (d, "{\"event\":\"binary_media\",\"encoding\":\"mulaw\"}");
    g_assert_true (m.encoding == Encoding::mulaw);
    g_assert_true (is_error (parse (d, "{\"event\":\"binary_media\","
                "\"encoding\":\"S16LE\"}"), error::unsupported_media_format));
    g_assert_true (is_error (parse (d, "{\"event\":\"binary_media\","
                "\"encoding\":null}"), error::invalid_message));
  }
  assert_str_eq (binary_media_message (Encoding::s16le, 48000, 24000),
      "{\"event\":\"binary_media\",\"encoding\":\"s16le\",\"input_rate\":"
      "48000,\"output_rate\":24000}");
}

static void
test_protocol_twilio ()
{
  const auto T = GST_SESSION_DIALECT_TWILIO;
  g_assert_true (parse (T, "{\"event\":\"connected\",\"protocol\":\"Call\","
          "\"version\":\"1.0.0\"}").kind == MessageKind::connected);

  auto m = parse (T, test::twilio_start ("MZ1",
          "{\"caller\":\"+1555\",\"n\":3,\"bad key!\":true}"));
  g_assert_true (m.kind == MessageKind::start);
  g_assert_cmpstr (m.session_id.c_str (), ==, "MZ1");
  g_assert_cmpint (m.sample_rate, ==, 8000);
  g_assert_true (m.encoding == Encoding::mulaw);
  const GstStructure *md = m.metadata.get ();
  g_assert_cmpstr (gst_structure_get_string (md, "callSid"), ==, "CA456");
  g_assert_cmpstr (gst_structure_get_string (md, "accountSid"), ==, "AC123");
  g_assert_cmpstr (gst_structure_get_string (md, "streamSid"), ==, "MZ1");
  const GValue *tracks = gst_structure_get_value (md, "tracks");
  g_assert_cmpuint (gst_value_array_get_size (tracks), ==, 1);
  g_assert_cmpstr (g_value_get_string (gst_value_array_get_value (tracks, 0)),
      ==, "inbound");
  const GstStructure *fmt = gst_value_get_structure (gst_structure_get_value
      (md, "mediaFormat"));
  g_assert_cmpstr (gst_structure_get_string (fmt, "encoding"), ==,
      "audio/x-mulaw");
  const GstStructure *custom = gst_value_get_structure
      (gst_structure_get_value (md, "customParameters"));
  g_assert_cmpstr (gst_structure_get_string (custom, "caller"), ==, "+1555");
  gint64 n = 0;
  g_assert_true (gst_structure_get_int64 (custom, "n", &n));
  g_assert_cmpint (n, ==, 3);
  gboolean b = FALSE;
  g_assert_true (gst_structure_get_boolean (custom, "bad_key_", &b));

  /* The id may come only inside "start". */
  m = parse (T, "{\"event\":\"start\",\"start\":{\"streamSid\":\"MZ9\"}}");
  g_assert_cmpstr (m.session_id.c_str (), ==, "MZ9");

  /* Twilio's string-typed numbers in media. */
  m = parse (T, test::twilio_media ("MZ1", 3, std::string (160, '\xff')));
  g_assert_true (m.kind == MessageKind::media);
  g_assert_cmpuint (m.payload.size (), ==, 160);

  m = parse (T, "{\"event\":\"dtmf\",\"streamSid\":\"MZ1\",\"sequenceNumber\":"
      "\"5\",\"dtmf\":{\"track\":\"inbound_track\",\"digit\":\"1\"}}");
  g_assert_true (m.kind == MessageKind::dtmf);
  g_assert_cmpstr (m.text.c_str (), ==, "1");

  m = parse (T, "{\"event\":\"mark\",\"sequenceNumber\":\"4\",\"streamSid\":"
      "\"MZ1\",\"mark\":{\"name\":\"greeting\"}}");
  g_assert_true (m.kind == MessageKind::mark);
  g_assert_cmpstr (m.text.c_str (), ==, "greeting");

  m = parse (T, "{\"event\":\"stop\",\"sequenceNumber\":\"9\",\"streamSid\":"
      "\"MZ1\",\"stop\":{\"accountSid\":\"AC1\",\"callSid\":\"CA1\"}}");
  g_assert_true (m.kind == MessageKind::stop);

  /* mediaFormat checks: L16 accepted, string sampleRate accepted, others
   * refused. */
  m = parse (T, "{\"event\":\"start\",\"streamSid\":\"MZ2\",\"start\":{"
      "\"mediaFormat\":{\"encoding\":\"audio/x-l16\",\"sampleRate\":\"16000\","
      "\"channels\":1}}}");
  g_assert_true (m.kind == MessageKind::start);
  g_assert_true (m.encoding == Encoding::l16);
  g_assert_cmpint (m.sample_rate, ==, 16000);
  for (const char *bad : {"\"encoding\":\"audio/opus\"",
          "\"sampleRate\":4000", "\"channels\":2"}) {
    m = parse (T, std::string ("{\"event\":\"start\",\"streamSid\":\"MZ3\","
            "\"start\":{\"mediaFormat\":{") + bad + "}}}");
    g_assert_cmpstr (m.error, ==, error::unsupported_media_format);
  }
}

static void
test_protocol_errors ()
{
  const auto F = GST_SESSION_DIALECT_FASTRTC;
  const auto T = GST_SESSION_DIALECT_TWILIO;
  const struct
  {
    GstSessionDialect dialect;
    std::string text;
    const char *code;
  } cases[] = {
    {F, "{\"event\":", error::invalid_json},
    {F, "not json", error::invalid_json},
    {F, "", error::invalid_json},
    {F, "[1,2]", error::invalid_message},
    {F, "\"start\"", error::invalid_message},
    {F, "42", error::invalid_message},
    {F, "{}", error::missing_event},
    {F, "{\"websocket_id\":\"a\"}", error::missing_event},
    {F, "{\"event\":5}", error::invalid_message},
    {F, "{\"event\":\"start\"}", error::invalid_session_id},
    {F, "{\"event\":\"start\",\"websocket_id\":\"\"}", error::invalid_session_id},
    {F, "{\"event\":\"start\",\"websocket_id\":7}", error::invalid_session_id},
    {F, "{\"event\":\"start\",\"websocket_id\":\"" + std::string (129, 'x') +
          "\"}", error::invalid_session_id},
    {F, "{\"event\":\"start\",\"websocket_id\":\"a\\u0001b\"}",
          error::invalid_session_id},
    {F, "{\"event\":\"start\",\"websocket_id\":\"a\\nb\"}",
          error::invalid_session_id},
    {T, "{\"event\":\"start\",\"start\":{}}", error::invalid_session_id},
    {F, "{\"event\":\"media\"}", error::invalid_payload},
    {F, "{\"event\":\"media\",\"media\":{}}", error::invalid_payload},
    {F, "{\"event\":\"media\",\"media\":{\"payload\":5}}", error::invalid_payload},
    {F, "{\"event\":\"media\",\"media\":{\"payload\":\"@@@@\"}}",
          error::invalid_payload},
    {F, "{\"event\":\"media\",\"media\":{\"payload\":\"AA A\"}}",
          error::invalid_payload},
    {F, "{\"event\":\"media\",\"media\":{\"payload\":\"\"}}",
          error::empty_payload},
    {F, "{\"event\":\"media\",\"media\":{\"payload\":\"==\"}}",
          error::invalid_payload},
    {T, "{\"event\":\"dtmf\",\"dtmf\":{}}", error::invalid_message},
    {T, "{\"event\":\"mark\",\"mark\":{}}", error::invalid_message},
  };
  for (auto & c : cases) {
    auto m = parse (c.dialect, c.text);
    if (m.kind != MessageKind::invalid || g_strcmp0 (m.error, c.code) != 0)
      g_error ("%s: expected %s, got kind %d error %s", c.text.c_str (),
          c.code, (int) m.kind, m.error ? m.error : "none");
  }
  /* Exactly 128 bytes is fine. */
  g_assert_true (parse (F, "{\"event\":\"start\",\"websocket_id\":\"" +
          std::string (128, 'x') + "\"}").kind == MessageKind::start);
}

/* g_assert_cmpstr on a temporary's c_str () would read freed memory. */
static void
check_eq (const std::string & got, const char *expected)
{
  g_assert_cmpstr (got.c_str (), ==, expected);
}

static void
test_protocol_replies ()
{
  check_eq (failed_reply ("concurrency_limit_reached", 5),
      "{\"status\":\"failed\",\"meta\":{\"error\":"
      "\"concurrency_limit_reached\",\"limit\":5}}");
  check_eq (failed_reply ("connection_already_exists"),
      "{\"status\":\"failed\",\"meta\":{\"error\":"
      "\"connection_already_exists\"}}");
  const uint8_t mu[3] = { 0xFF, 0x7F, 0x00 };
  check_eq (media_message (GST_SESSION_DIALECT_FASTRTC, "x", mu,
          3), "{\"event\":\"media\",\"media\":{\"payload\":"
      "\"/38A\"}}");
  check_eq (media_message (GST_SESSION_DIALECT_TWILIO, "MZ\"1", mu,
          3), "{\"event\":\"media\",\"streamSid\":\"MZ\\\"1\","
      "\"media\":{\"payload\":\"/38A\"}}");
  check_eq (mark_message (GST_SESSION_DIALECT_TWILIO, "MZ1",
          "m"), "{\"event\":\"mark\",\"streamSid\":\"MZ1\","
      "\"mark\":{\"name\":\"m\"}}");
  check_eq (clear_message (GST_SESSION_DIALECT_TWILIO, "MZ1"),
      "{\"event\":\"clear\",\"streamSid\":\"MZ1\"}");
  /* Every reply parses as JSON. */
  for (const std::string & s : {failed_reply ("x", 1), media_message
          (GST_SESSION_DIALECT_TWILIO, "a\\b\x01", mu, 3), pong_message ()}) {
    JsonParser *p = json_parser_new ();
    g_assert_true (json_parser_load_from_data (p, s.c_str (), -1, nullptr));
    g_object_unref (p);
  }
  check_eq (field_name_from_key ("9lives"), "x9lives");
  check_eq (field_name_from_key ("a b"), "a_b");
  check_eq (field_name_from_key (""), "x");
}


/* The simdjson fast path answers exactly like the json-glib reference:
 * every valid message of PROTOCOLS.md and thousands of mutations of them
 * (every truncation, byte substitutions, deletions). They may differ only
 * where the fast path rejects as invalid JSON what a strict validator finds
 * is not JSON. */
static void
test_protocol_fast_path_agrees ()
{
  std::vector<std::pair<GstSessionDialect, std::string>> corpus;
  const auto F = GST_SESSION_DIALECT_FASTRTC;
  const auto T = GST_SESSION_DIALECT_TWILIO;
  const std::string media = "{\"event\":\"media\",\"media\":{\"payload\":"
      "\"AAECAwQFBgcICQ==\"}}";
  const std::string base[] = {
    media, test::twilio_media ("MZ1", 3, std::string (12, '\x7f')),
    test::fastrtc_start ("abc"), "{\"event\":\"ping\"}", "{\"event\":\"stop\"}",
    /* Twilio's start as Twilio sends it (the fast path reads it whole),
     * with a repeated key, numbers in strings, a nested parameter (those
     * go to json-glib). */
    "{\"event\":\"start\",\"sequenceNumber\":\"1\",\"start\":{\"accountSid\":"
        "\"AC1\",\"streamSid\":\"MZ9\",\"callSid\":\"CA1\",\"tracks\":"
        "[\"inbound\"],\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
        "\"sampleRate\":8000,\"channels\":1},\"customParameters\":"
        "{\"room\":\"7\",\"9x\":\"y\"}},\"streamSid\":\"MZ9\"}",
    "{\"event\":\"start\",\"start\":{\"streamSid\":\"MZ8\",\"mediaFormat\":"
        "{\"encoding\":\"audio/x-l16\",\"sampleRate\":\"16000\"},"
        "\"customParameters\":{\"a\":{\"b\":[1,2.5]},\"a\":true}}}",
    "{\"type\":\"send_input\",\"data\":[1,2]}",
    "{\"event\":\"dtmf\",\"dtmf\":{\"digit\":\"5\"}}",
    "{\"event\":\"mark\",\"mark\":{\"name\":\"m\"}}",
    "{\"event\":\"binary_media\",\"encoding\":\"s16le\"}",
    /* As Python's json.dumps writes them, and pretty-printed. */
    "{\"event\": \"media\", \"media\": {\"payload\": \"AAECAwQFBgcICQ==\"}}",
    "{\"event\": \"start\", \"websocket_id\": \"a b\"}",
    "{\n\t\"event\" : \"mark\",\r\n  \"mark\" : { \"name\" : \"m 1\" }\n}\n",
    " [ 1 , 2 ] ",
  };
  const char subst[] = { '"', '{', '}', ',', ':', 'x', '\\', ' ', '\0',
    (char) 0xff, '[', '0'
  };
  for (const std::string & b : base) {
    for (auto d : {F, T}) {
      corpus.emplace_back (d, b);
      for (size_t i = 0; i <= b.size (); i++)
        corpus.emplace_back (d, b.substr (0, i));
      for (size_t i = 0; i < b.size (); i++) {
        std::string del = b;
        del.erase (i, 1);
        corpus.emplace_back (d, del);
        for (char c : subst) {
          std::string m = b;
          m[i] = c;
          corpus.emplace_back (d, m);
        }
      }
    }
  }
  for (const char *ok : {"{}", "[1,-2.5e+3,0]", " \"a\\u00e9\\/\" ", "null",
          "{\"a\":[true,false,{}]}"})
    g_assert_true (StrictJson::valid (ok));
  for (const char *bad : {"{\"a\":01}", "\"\\v\"", "\"\x01\"", "{,}", "[1,]",
          "\"\xff\"", "{\"a\" 1}", "[1] x", "1.", "\"\\u12\"", ""})
    g_assert_false (StrictJson::valid (bad));
  size_t valid = 0, stricter = 0;
  for (auto &[dialect, text] : corpus) {
    auto fast = parse_client_message (dialect, text.data (), text.size ());
    auto ref = parse_client_message_json_glib (dialect, text.data (),
        text.size ());
    bool same = fast.kind == ref.kind && g_strcmp0 (fast.error,
        ref.error) == 0 && fast.payload == ref.payload &&
        fast.session_id == ref.session_id && fast.text == ref.text &&
        fast.sample_rate == ref.sample_rate &&
        fast.encoding == ref.encoding && !fast.metadata == !ref.metadata &&
        (!fast.metadata || gst_structure_is_equal (fast.metadata.get (),
            ref.metadata.get ()));
    const bool json = StrictJson::valid (text);
    valid += json;
    if (same)
      continue;
    /* Allowed: simdjson rejects what json-glib's lenient scanner lets
     * through (escapes like \v, control characters in strings, ...), and
     * only when it is indeed not JSON. */
    if (!json && is_error (fast, error::invalid_json) &&
        !is_error (ref, error::invalid_json)) {
      stricter++;
      if (g_getenv ("SHOW_STRICTER")) {
        gchar *shown = g_strescape (text.c_str (), nullptr);
        g_printerr ("stricter: %s\n", shown);
        g_free (shown);
      }
      continue;
    }
    gchar *shown = g_strescape (text.c_str (), nullptr);
    g_error ("disagree on %s \"%s\": fast kind %d %s, json-glib kind %d %s",
        json ? "valid JSON" : "invalid JSON", shown, (int) fast.kind,
        fast.error ? fast.error : "-", (int) ref.kind,
        ref.error ? ref.error : "-");
  }
  g_test_message ("%zu messages, %zu of them valid JSON: all answered alike "
      "but %zu (not JSON) rejected as invalid JSON by the fast path only",
      corpus.size (), valid, stricter);
  /* Every base message is valid JSON (and so was answered alike), and so
   * are many mutations of them. */
  for (const std::string & b : base)
    g_assert_true (StrictJson::valid (b));
  g_assert_cmpuint (valid, >, corpus.size () / 10);
}

/* Inputs tests/fuzz found (tests/fuzz/corpus/messages/crash-*). */
static void
test_protocol_fuzz_regressions ()
{
  const auto F = GST_SESSION_DIALECT_FASTRTC;
  const auto T = GST_SESSION_DIALECT_TWILIO;
  auto both = [](GstSessionDialect d, const std::string & s) {
    return std::make_pair (parse_client_message (d, s.data (), s.size ()),
        parse_client_message_json_glib (d, s.data (), s.size ()));
  };
  /* An escaped U+0000: json-glib cut the string there (the payload below
   * decoded to its first 168 characters, the id "a\u0000b" read as "a",
   * past the check for control characters) where simdjson kept it whole.
   * Both paths refuse it now. */
  const std::string nul_payload = "{\"event\":\"media\",\"media\":"
      "{\"payload\":\"" + std::string (168, '/') + "\\u0000" +
      std::string (62, '/') + "w==\"}}";
  for (const std::string & text : {nul_payload,
          std::string ("{\"event\":\"start\",\"websocket_id\":\"a\\u0000b\"}"),
          std::string ("{\"type\":\"x\",\"data\":[\"\\\\\\u0000\"]}")}) {
    for (auto d : {F, T}) {
      auto[fast, ref] = both (d, text);
      g_assert_cmpstr (fast.error, ==, error::invalid_message);
      g_assert_cmpstr (ref.error, ==, error::invalid_message);
    }
  }
  /* An escaped backslash before "u0000" is no U+0000. */
  auto[fast, ref] = both (F,
      "{\"event\":\"start\",\"websocket_id\":\"a\\\\u0000b\"}");
  g_assert_true (fast.kind == MessageKind::start);
  assert_str_eq (fast.session_id, "a\\u0000b");
  assert_str_eq (ref.session_id, "a\\u0000b");
  const char *body = "{\"type\":\"offer\",\"webrtc_id\":\"a\\u0000b\","
      "\"sdp\":\"v=0\"}";
  SignalRequest r = parse_signal_request (body, strlen (body));
  g_assert_true (r.kind == SignalKind::invalid);
  g_assert_cmpint (r.http_status, ==, 400);
  g_assert_cmpstr (r.error, ==, error::invalid_message);

  /* A repeated key: the last one counts on both paths (simdjson's []
   * found the first, json-glib keeps the last). */
  for (auto d : {F, T}) {
    std::tie (fast, ref) = both (d, "{\"event\":\"media\",\"media\":"
        "{\"payload\":\"AAAA\",\"chunk\":\"3\",\"payload\":\"AQID\"}}");
    for (auto *m : {&fast, &ref}) {
      g_assert_true (m->kind == MessageKind::media);
      g_assert_cmpuint (m->payload.size (), ==, 3);
      g_assert_cmpint (m->payload[2], ==, 3);
    }
    std::tie (fast, ref) = both (d, "{\"event\":\"start\",\"event\":"
        "\"media\",\"media\":{\"payload\":\"AQID\"},\"media\":5}");
    g_assert_cmpstr (fast.error, ==, error::invalid_payload);
    g_assert_cmpstr (ref.error, ==, error::invalid_payload);
    std::tie (fast, ref) = both (d, "{\"event\":\"media\",\"event\":"
        "\"ping\",\"media\":{\"payload\":\"AQID\"}}");
    g_assert_true (fast.kind == MessageKind::ping);
    g_assert_true (ref.kind == MessageKind::ping);
  }

  /* A number beyond 64 bits is JSON, but more than simdjson holds (RFC
   * 8259 §9 lets a parser limit the range): the fast path refuses it as
   * invalid JSON; json-glib reads it. */
  std::tie (fast, ref) = both (F, "{\"event\":\"start\",\"websocket_id\":"
      "\"x\",\"n\":18446744073709551616}");
  g_assert_cmpstr (fast.error, ==, error::invalid_json);
  g_assert_true (ref.kind == MessageKind::start);
  /* A lone escaped surrogate is not Unicode text: simdjson refuses it,
   * and the strict validator too (json-glib makes a string of it that is
   * not UTF-8, so it never sees it: signalling bodies too are checked by
   * simdjson first now). */
  const char *lone = "{\"event\":\"start\",\"start\":"
      "{\"streamSid\":\"d\\ude00aMZ9\"}}";
  fast = parse_client_message (T, lone, strlen (lone));
  g_assert_cmpstr (fast.error, ==, error::invalid_json);
  for (const char *bad : {"{\"type\":\"offer\",\"webrtc_id\":\"\\ud800\","
          "\"sdp\":\"v=0\"}", "{\"type\":\"offer\",\"webrtc_id\":\"\xff\","
          "\"sdp\":\"v=0\"}"}) {
    r = parse_signal_request (bad, strlen (bad));
    g_assert_cmpint (r.http_status, ==, 400);
    g_assert_cmpstr (r.error, ==, error::invalid_json);
  }
  g_assert_false (StrictJson::valid ("\"\\ude00\""));
  g_assert_false (StrictJson::valid ("\"\\ud83d\""));
  g_assert_false (StrictJson::valid ("\"\\ud83d\\u0041\""));
  g_assert_true (StrictJson::valid ("\"\\ud83d\\ude00\""));
}

/* Client-chosen field names (customParameters keys) become GQuarks, which
 * are never freed: past a budget, names that are not quarks already are left
 * out, so a stream of invented names cannot grow the process. */
static void
test_protocol_field_name_budget ()
{
  const auto T = GST_SESSION_DIALECT_TWILIO;
  const unsigned total = sessionctx::kMaxClientFieldNames + 500;
  unsigned kept = 0;
  for (unsigned i = 0; i < total; i++) {
    std::string key = "budget_" + std::to_string (i);
    auto m = parse (T, "{\"event\":\"start\",\"start\":{\"streamSid\":"
        "\"MZ1\",\"customParameters\":{\"" + key + "\":\"v\","
        "\"caller\":\"+1555\"}}}");
    g_assert_null (m.error);
    const GstStructure *custom = gst_value_get_structure
        (gst_structure_get_value (m.metadata.get (), "customParameters"));
    /* A name that is a quark already is always kept. */
    g_assert_cmpstr (gst_structure_get_string (custom, "caller"), ==, "+1555");
    /* Not gst_structure_has_field (): it would make the quark. */
    for (int f = 0; f < gst_structure_n_fields (custom); f++)
      if (key == gst_structure_nth_field_name (custom, f))
        kept++;
  }
  /* "caller" may have been new too: one of the budget. */
  g_assert_cmpuint (kept, >=, sessionctx::kMaxClientFieldNames - 1);
  g_assert_cmpuint (kept, <=, sessionctx::kMaxClientFieldNames);
  g_assert_cmpuint (sessionctx::field_names_refused (), >=, 500);
  /* The names left out were never made quarks. */
  std::string last = "budget_" + std::to_string (total - 1);
  g_assert_cmpuint (g_quark_try_string (last.c_str ()), ==, 0);
  /* A long name is refused even within the budget's room. */
  std::string long_key (sessionctx::kMaxClientFieldNameLength + 1, 'k');
  g_assert_false (sessionctx::admit_field_name (long_key));
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/fastrtc", test_protocol_fastrtc);
  g_test_add_func ("/protocol/twilio", test_protocol_twilio);
  g_test_add_func ("/protocol/field-name-budget",
      test_protocol_field_name_budget);
  g_test_add_func ("/protocol/errors", test_protocol_errors);
  g_test_add_func ("/protocol/replies", test_protocol_replies);
  g_test_add_func ("/protocol/binary-media", test_protocol_binary_media);
  g_test_add_func ("/protocol/fast-path-agrees",
      test_protocol_fast_path_agrees);
  g_test_add_func ("/protocol/fuzz-regressions",
      test_protocol_fuzz_regressions);
  return g_test_run ();
}
