/* sessionsrc with real and raw clients on loopback: every bad input
 * answered, and the server's own WebSocket layer (pings, fragments, the
 * close handshake, each protocol error with its close code).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sessionsrc/fixture.h"

using test::Tone;
using test::WsClient;

/* Every bad input is answered, warned about with the session named, and
 * disturbs nothing else: a well-behaved session streaming meanwhile loses
 * no frame. */
static void
test_bad_input ()
{
  Pipeline p ("max-message-size=4096");
  p.play ();
  const guint port = p.port ();
  WsClient good;
  g_assert_true (good.connect (port, "/websocket/offer"));
  good.send (test::fastrtc_start ("good"));
  Tone tone (1000, 48000);
  std::string good_sent;
  int good_frames = 0;
  auto stream_good = [&] {
    for (int i = 0; i < 3; i++) {
      std::string mu = tone.next_mulaw (960);
      good_sent += mu;
      good.send (test::fastrtc_media (mu));
      good_frames++;
    }
    test::spin (2);
  };
  const std::string failed = "{\"status\":\"failed\",\"meta\":{\"error\":\"";

  /* Errors the session survives: reply, warning, connection stays. */
  {
    WsClient c;
    g_assert_true (c.connect (port, "/websocket/offer"));
    const char *before_start[][2] = {
      {"{\"event\":", "invalid_json"},
      {"[1,2,3]", "invalid_message"},
      {"\"text\"", "invalid_message"},
      {"{\"hello\":1}", "missing_event"},
      {"{\"event\":42}", "invalid_message"},
      {"{\"event\":\"media\",\"media\":{\"payload\":\"AAAA\"}}", "not_started"},
      {"{\"type\":\"send_input\",\"data\":1}", "not_started"},
    };
    size_t n = 0;
    for (auto & bad : before_start) {
      c.send (bad[0]);
      g_assert_true (c.wait_for_count (++n));
      assert_str_eq (c.messages.back (), failed + bad[1] + "\"}}");
      g_assert_true (p.bus->has_warning (std::string ("|") + bad[1]));
      stream_good ();
    }
    c.send_binary (std::string ("\x01\x02\x03", 3));
    g_assert_true (c.wait_for_count (++n));
    assert_str_eq (c.messages.back (), failed + "binary_not_supported\"}}");
    g_assert_false (c.closed);

    /* Now a valid start: the connection still works. */
    c.send (test::fastrtc_start ("recovering"));
    const char *after_start[][2] = {
      {"{\"event\":\"start\",\"websocket_id\":\"other\"}", "already_started"},
      {"{\"event\":\"media\",\"media\":{\"payload\":\"@@@@\"}}",
          "invalid_payload"},
      {"{\"event\":\"media\",\"media\":{\"payload\":\"AAE\\nC\"}}",
          "invalid_payload"},
      {"{\"event\":\"media\",\"media\":{\"payload\":\"\"}}", "empty_payload"},
      {"{\"event\":\"media\",\"media\":{}}", "invalid_payload"},
      {"{\"event\":\"media\"}", "invalid_payload"},
    };
    for (auto & bad : after_start) {
      c.send (bad[0]);
      g_assert_true (c.wait_for_count (++n));
      assert_str_eq (c.messages.back (), failed + bad[1] + "\"}}");
      /* Warnings name the session once it has an id. */
      g_assert_true (p.bus->has_warning (std::string ("recovering|") +
              bad[1]));
      stream_good ();
    }
    c.send (test::fastrtc_media (tone.next_mulaw (480)));
    g_assert_true (test::wait_for ([&] {
          return p.capture.samples_of ("recovering") == 480;
        }));
    g_assert_false (c.closed);
    /* Before start, the warning names the remote address. */
    g_assert_true (p.bus->has_warning ("(no session yet, 127.0.0.1:"));
  }

  /* Invalid session ids: refused and closed with 1008. */
  for (std::string start : {
        std::string ("{\"event\":\"start\"}"),
        std::string ("{\"event\":\"start\",\"websocket_id\":\"\"}"),
        std::string ("{\"event\":\"start\",\"websocket_id\":null}"),
        "{\"event\":\"start\",\"websocket_id\":\"" + std::string (129, 'x') +
        "\"}",
        std::string ("{\"event\":\"start\",\"websocket_id\":\"a\\u0007b\"}"),
      }) {
    WsClient c;
    g_assert_true (c.connect (port, "/websocket/offer"));
    c.send (start);
    if (!c.wait_closed ())
      g_error ("not closed after %s", start.c_str ());
    g_assert_cmpuint (c.close_code, ==, 1008);
    g_assert_cmpuint (c.messages.size (), ==, 1);
    assert_str_eq (c.messages[0], failed + "invalid_session_id\"}}");
    stream_good ();
  }

  /* Unsupported Twilio media format: refused, 1008. */
  {
    WsClient c;
    g_assert_true (c.connect (port, "/telephone/handler"));
    c.send ("{\"event\":\"start\",\"streamSid\":\"MZx\",\"start\":{"
        "\"mediaFormat\":{\"encoding\":\"audio/opus\",\"sampleRate\":8000,"
        "\"channels\":1}}}");
    g_assert_true (c.wait_closed ());
    g_assert_cmpuint (c.close_code, ==, 1008);
    assert_str_eq (c.messages[0], failed + "unsupported_media_format\"}}");
  }

  /* Odd payload length for 16-bit linear PCM. */
  {
    WsClient c;
    g_assert_true (c.connect (port, "/telephone/handler"));
    c.send ("{\"event\":\"start\",\"streamSid\":\"MZl16\",\"start\":{"
        "\"mediaFormat\":{\"encoding\":\"audio/x-l16\",\"sampleRate\":8000,"
        "\"channels\":1}}}");
    c.send (test::twilio_media ("MZl16", 2, std::string ("\x01\x02\x03", 3)));
    g_assert_true (c.wait_message ("invalid_payload_length"));
    g_assert_true (p.bus->has_warning ("MZl16|invalid_payload_length"));
    /* An even payload passes: 2 big-endian samples → 12 at 48 kHz. */
    c.send (test::twilio_media ("MZl16", 3, std::string ("\x01\x02\x03\x04",
                4)));
    c.send ("{\"event\":\"stop\"}");
    g_assert_true (c.wait_closed ());
    g_assert_true (test::wait_for ([&] {
          return p.capture.samples_of ("MZl16") == 12;
        }));
    stream_good ();
  }

  /* Exactly max-message-size passes. */
  {
    WsClient c;
    g_assert_true (c.connect (port, "/websocket/offer"));
    std::string head = "{\"event\":\"ping\",\"pad\":\"";
    c.send (head + std::string (4096 - head.size () - 2, 'x') + "\"}");
    g_assert_true (c.wait_message ("pong"));
    g_assert_false (c.closed);
  }

  /* One byte over max-message-size: closed with 1009, session ended with
   * reason error, warning names it. */
  {
    WsClient c;
    g_assert_true (c.connect (port, "/websocket/offer"));
    c.send (test::fastrtc_start ("one-over"));
    std::string head = "{\"event\":\"ping\",\"pad\":\"";
    c.send (head + std::string (4097 - head.size () - 2, 'x') + "\"}");
    g_assert_true (c.wait_closed ());
    g_assert_cmpuint (c.close_code, ==, 1009);
    g_assert_cmpint (c.find ("pong"), ==, -1);
    g_assert_true (test::wait_for ([&] {
          return p.bus->ended_reason ("one-over") == "error";
        }));
    g_assert_true (p.bus->has_warning ("one-over|message_too_big"));
    stream_good ();
  }

  /* Far over max-message-size: the same. */
  {
    WsClient c;
    g_assert_true (c.connect (port, "/websocket/offer"));
    c.send (test::fastrtc_start ("too-big"));
    c.send (test::fastrtc_media (tone.next_mulaw (8000)));
    g_assert_true (c.wait_closed ());
    g_assert_cmpuint (c.close_code, ==, 1009);
    g_assert_true (test::wait_for ([&] {
          return p.bus->ended_reason ("too-big") == "error";
        }));
    g_assert_true (p.bus->has_warning ("too-big|message_too_big"));
    stream_good ();
  }

  good.send ("{\"event\":\"stop\"}");
  g_assert_true (good.wait_closed ());
  g_assert_true (test::wait_for ([&] {
        return p.capture.samples_of ("good") == (size_t) good_frames * 960;
      }));
  std::lock_guard < std::mutex > l (p.capture.lock);
  g_assert_true (p.capture.sessions["good"].samples == decode (good_sent));
  g_assert_cmpuint (p.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
  /* The good session was never named in a warning. */
  for (auto & w : p.bus->warnings ())
    g_assert_false (g_str_has_prefix (w.c_str (), "good|"));
}

static guint
close_code (const std::string & payload)
{
  g_assert_cmpuint (payload.size (), >=, 2);
  return ((guint8) payload[0] << 8) | (guint8) payload[1];
}

/* The server's own WebSocket layer, seen by a raw client: pings answered,
 * fragmented messages reassembled (control frames between fragments), the
 * close handshake, and each protocol error closed with its code. */
static void
test_websocket_protocol ()
{
  Pipeline p;
  p.play ();
  Tone tone (440, 48000);
  {
    test::RawWsClient c;
    g_assert_true (c.connect (p.port (), "/websocket/offer"));
    c.send_frame (0x89, "are you there");
    auto [op, payload] = c.read_frame ();
    g_assert_cmpint (op, ==, 0xA);
    assert_str_eq (payload, "are you there");

    std::string start = test::fastrtc_start ("fragments");
    c.send_frame (0x01, start.substr (0, 10));
    c.send_frame (0x89, "between");
    c.send_frame (0x00, start.substr (10, 10));
    c.send_frame (0x80, start.substr (20));
    auto [op2, payload2] = c.read_frame ();
    g_assert_cmpint (op2, ==, 0xA);
    assert_str_eq (payload2, "between");
    std::string media = test::fastrtc_media (tone.next_mulaw (960));
    c.send_frame (0x01, media.substr (0, 700));
    c.send_frame (0x80, media.substr (700));
    g_assert_true (test::wait_for ([&] {
          return p.capture.samples_of ("fragments") == 960;
        }));

    /* The client closes: its code comes back, then the TCP connection
     * ends. */
    c.send_frame (0x88, std::string ("\x03\xe8" "bye", 5));
    auto [op3, payload3] = c.read_frame ();
    g_assert_cmpint (op3, ==, 0x8);
    g_assert_cmpuint (close_code (payload3), ==, 1000);
    g_assert_cmpint (c.read_frame ().first, ==, -1);
    g_assert_true (test::wait_for ([&] {
          return p.bus->ended_reason ("fragments") == "disconnect";
        }));
  }

  struct
  {
    const char *what;
    uint8_t first;
    std::string payload;
    bool masked;
    guint code;
  } bad[] = {
    {"unmasked", 0x81, "{}", false, 1002},
    {"not UTF-8", 0x81, "\xff\xfe", true, 1007},
    {"reserved bit", 0xC1, "{}", true, 1002},
    {"unknown opcode", 0x83, "{}", true, 1002},
    {"ping over 125 bytes", 0x89, std::string (126, 'p'), true, 1002},
    {"continuation first", 0x80, "{}", true, 1002},
  };
  for (auto & b : bad) {
    g_test_message ("%s", b.what);
    test::RawWsClient c;
    g_assert_true (c.connect (p.port (), "/websocket/offer"));
    std::string id = std::string ("bad-") + std::to_string (&b - bad);
    c.send (test::fastrtc_start (id));
    c.send_frame (b.first, b.payload, b.masked);
    auto [op, payload] = c.read_frame ();
    g_assert_cmpint (op, ==, 0x8);
    g_assert_cmpuint (close_code (payload), ==, b.code);
    /* The client does not answer: the server drops it anyway. */
    g_assert_cmpint (c.read_frame (5000).first, ==, -1);
    assert_str_eq (p.bus->ended_reason (id), "error");
  }
  g_assert_cmpuint (p.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sessionsrc/bad-input", test_bad_input);
  g_test_add_func ("/sessionsrc/websocket-protocol",
      test_websocket_protocol);
  return g_test_run ();
}
