/* Unit tests: the WebSocket frame reader (lengths, splits, fragments,
 * UTF-8, every protocol error).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common/raw_ws_client.h"
#include "common/wait.h"
#include "wire/websocket.h"

#include <gst/gst.h>

#include <string>
#include <utility>
#include <vector>

using namespace sessionctx;

/* ------------------------------------------------------------------ */
/* WebSocket framing                                                    */

namespace ws = sessionctx::ws;

using test::client_frame;

struct ReadAll
{
  std::vector<std::pair<int, std::string>> messages;
  std::vector<uint16_t> close_codes;
  ws::Reader::Result last = ws::Reader::kNeedMore;
  size_t left = 0;
};

/* Feeds @bytes @chunk bytes at a time, as a socket might deliver them. */
static ReadAll
read_all (const std::string & bytes, size_t max_message = 1024,
    size_t chunk = SIZE_MAX)
{
  ws::Reader reader (max_message);
  ReadAll out;
  std::vector<uint8_t> buf;
  size_t fed = 0;
  while (true) {
    size_t n = MIN (chunk, bytes.size () - fed);
    buf.insert (buf.end (), bytes.begin () + fed, bytes.begin () + fed + n);
    fed += n;
    while (true) {
      size_t used;
      ws::Message m;
      out.last = reader.next (buf.data (), buf.size (), &used, &m);
      if (out.last == ws::Reader::kMessage) {
        out.messages.emplace_back (m.opcode, std::string (m.data));
        if (m.opcode == ws::kClose)
          out.close_codes.push_back (m.close_code);
      }
      buf.erase (buf.begin (), buf.begin () + used);
      if (out.last != ws::Reader::kMessage)
        break;
    }
    if (out.last == ws::Reader::kError) {
      out.close_codes.push_back (reader.error_code ());
      break;
    }
    if (fed == bytes.size ())
      break;
  }
  out.left = buf.size ();
  return out;
}

static void
test_websocket_frames ()
{
  /* Lengths in 7, 16 and 64 bits; split anywhere, byte by byte. */
  std::string big (70000, 'x');
  std::string stream = client_frame (0x81, "hello") +
      client_frame (0x81, std::string (300, 'a')) +
      client_frame (0x82, big) + client_frame (0x81, "", true, true);
  for (size_t chunk : {SIZE_MAX, (size_t) 1, (size_t) 7}) {
    auto r = read_all (stream, 100000, chunk);
    g_assert_cmpuint (r.messages.size (), ==, 4);
    assert_str_eq (r.messages[0].second, "hello");
    g_assert_cmpint (r.messages[0].first, ==, ws::kText);
    assert_str_eq (r.messages[1].second, std::string (300, 'a'));
    g_assert_cmpint (r.messages[2].first, ==, ws::kBinary);
    g_assert_true (r.messages[2].second == big);
    assert_str_eq (r.messages[3].second, "");
    g_assert_cmpuint (r.left, ==, 0);
  }

  /* UTF-8 as RFC 3629 has it: NUL, 4-byte sequences, split across
   * fragments inside a character. */
  {
    std::string text ("a\0b \xf0\x9f\x8e\xb5 caf\xc3\xa9", 14);
    auto r = read_all (client_frame (0x81, text) + client_frame (0x01,
            "caf\xc3") + client_frame (0x80, "\xa9"));
    g_assert_cmpint (r.last, !=, ws::Reader::kError);
    g_assert_cmpuint (r.messages.size (), ==, 2);
    g_assert_true (r.messages[0].second == text);
    assert_str_eq (r.messages[1].second, "caf\xc3\xa9");
  }

  /* A fragmented message with a ping between its fragments: the ping
   * comes first, then the whole message. */
  std::string frag = client_frame (0x01, "{\"event\":") +
      client_frame (0x89, "p1") + client_frame (0x00, "\"media\"") +
      client_frame (0x80, "}");
  for (size_t chunk : {SIZE_MAX, (size_t) 1}) {
    auto r = read_all (frag, 1024, chunk);
    g_assert_cmpuint (r.messages.size (), ==, 2);
    g_assert_cmpint (r.messages[0].first, ==, ws::kPing);
    assert_str_eq (r.messages[0].second, "p1");
    g_assert_cmpint (r.messages[1].first, ==, ws::kText);
    assert_str_eq (r.messages[1].second, "{\"event\":\"media\"}");
  }

  /* Close frames: code and reason; none at all. */
  auto r = read_all (client_frame (0x88, std::string ("\x03\xe8" "bye", 5)) +
      client_frame (0x88, ""));
  g_assert_cmpuint (r.close_codes.size (), ==, 2);
  g_assert_cmpuint (r.close_codes[0], ==, 1000);
  assert_str_eq (r.messages[0].second.substr (2), "bye");
  g_assert_cmpuint (r.close_codes[1], ==, ws::kCloseNoStatus);

  /* What the server writes. */
  uint8_t h[ws::kMaxHeader];
  g_assert_cmpuint (ws::frame_header (ws::kText, 125, h), ==, 2);
  g_assert_cmpuint (h[0], ==, 0x81);
  g_assert_cmpuint (h[1], ==, 125);
  g_assert_cmpuint (ws::frame_header (ws::kText, 126, h), ==, 4);
  g_assert_cmpuint (h[1], ==, 126);
  g_assert_cmpuint ((h[2] << 8) | h[3], ==, 126);
  g_assert_cmpuint (ws::frame_header (ws::kBinary, 65536, h), ==, 10);
  g_assert_cmpuint (h[0], ==, 0x82);
  g_assert_cmpuint (h[1], ==, 127);
  g_assert_cmpuint (h[7], ==, 1);
  g_assert_cmpuint (h[8] | h[9], ==, 0);
  std::string payload = ws::close_payload (1009, std::string (200, 'r'));
  g_assert_cmpuint (payload.size (), ==, 125);
  g_assert_cmpuint ((uint8_t) payload[0], ==, 0x03);
  g_assert_cmpuint ((uint8_t) payload[1], ==, 0xf1);
  /* "é" is two bytes: a reason is never cut inside one. */
  std::string accents;
  for (int i = 0; i < 100; i++)
    accents += "\xc3\xa9";
  payload = ws::close_payload (1000, accents);
  g_assert_cmpuint (payload.size (), ==, 124);
  g_assert_true (g_utf8_validate (payload.data () + 2, payload.size () - 2,
          nullptr));
}

/* Every frame the reader must refuse, with the close code it answers. */
static void
test_websocket_frame_errors ()
{
  struct Case
  {
    const char *what;
    std::string bytes;
    uint16_t code;
  } cases[] = {
    {"unmasked", client_frame (0x81, "hi", false), 1002},
    {"RSV1 (no extension negotiated)", client_frame (0xC1, "hi"), 1002},
    {"RSV3", client_frame (0x91, "hi"), 1002},
    {"reserved data opcode", client_frame (0x83, "hi"), 1002},
    {"reserved control opcode", client_frame (0x8B, "hi"), 1002},
    {"fragmented ping", client_frame (0x09, "hi"), 1002},
    {"control frame over 125 bytes", client_frame (0x89,
            std::string (126, 'p')), 1002},
    {"continuation without a message", client_frame (0x80, "hi"), 1002},
    {"new message inside a fragmented one", client_frame (0x01, "a") +
          client_frame (0x81, "b"), 1002},
    {"64-bit length with the top bit set", std::string ("\x81\xff\x80\0\0"
              "\0\0\0\0\0", 10), 1002},
    {"message over the limit", client_frame (0x81, std::string (1025, 'a')),
        1009},
    {"fragments over the limit together", client_frame (0x01,
            std::string (600, 'a')) + client_frame (0x80,
            std::string (600, 'a')), 1009},
    {"text that is not UTF-8", client_frame (0x81, "caf\xc3"), 1007},
    {"fragmented text that is not UTF-8", client_frame (0x01, "caf") +
          client_frame (0x80, "\xff"), 1007},
    {"close payload of one byte", client_frame (0x88, "\x03"), 1002},
    {"close code 1005 on the wire", client_frame (0x88,
            std::string ("\x03\xed", 2)), 1002},
    {"close code 999", client_frame (0x88, std::string ("\x03\xe7", 2)),
        1002},
    {"close code 5000", client_frame (0x88, std::string ("\x13\x88", 2)),
        1002},
    {"close reason not UTF-8", client_frame (0x88,
            std::string ("\x03\xe8\xff", 3)), 1007},
  };
  for (auto & c : cases) {
    g_test_message ("%s", c.what);
    auto r = read_all (c.bytes);
    g_assert_cmpint (r.last, ==, ws::Reader::kError);
    g_assert_cmpuint (r.close_codes.back (), ==, c.code);
  }
  /* The limit is checked from the header: a huge frame fails before its
   * payload has come. */
  auto r = read_all (std::string ("\x81\xff\0\0\0\x01\0\0\0\0", 10));
  g_assert_cmpint (r.last, ==, ws::Reader::kError);
  g_assert_cmpuint (r.close_codes.back (), ==, 1009);
  /* Valid codes pass: 1000-1003, 1007-1014, 3000-4999. */
  for (uint16_t code : {1000, 1001, 1003, 1011, 3000, 4999})
    g_assert_true (ws::close_code_is_valid (code));
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000})
    g_assert_false (ws::close_code_is_valid (code));
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/websocket/frames", test_websocket_frames);
  g_test_add_func ("/websocket/frame-errors", test_websocket_frame_errors);
  return g_test_run ();
}
