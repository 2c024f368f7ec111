/* WebRTC transport: FastRTC's signalling over real HTTP, every error;
 * candidates sent before the offer; the port range and the transports
 * mounted.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/fixture.h"

static std::vector<std::string>
split_lines (const std::string & text)
{
  std::vector<std::string> out;
  gchar **lines = g_strsplit (text.c_str (), "\r\n", -1);
  for (gchar ** it = lines; *it; it++)
    if (**it)
      out.emplace_back (*it);
  g_strfreev (lines);
  return out;
}

static std::string
failed (const char *code)
{
  return std::string ("{\"status\":\"failed\",\"meta\":{\"error\":\"") + code +
      "\"}}";
}

static std::string
candidate_body (const std::string & id, const std::string & candidate_json)
{
  return "{\"type\":\"ice-candidate\",\"webrtc_id\":\"" + id +
      "\",\"candidate\":" + candidate_json + "}";
}

/* FastRTC's signalling errors, each asserted; nothing is left behind. */
static void
test_signalling_errors ()
{
  Server s ("max-sessions=2");
  /* Missing fields: 422 (FastRTC's pydantic validation). */
  g_assert_cmpuint (post (s.port (), "{\"type\":\"offer\",\"sdp\":\"v=0\"}").status,
      ==, 422);
  g_assert_cmpuint (post (s.port (), "{\"webrtc_id\":\"x\",\"sdp\":\"v=0\"}").status,
      ==, 422);
  g_assert_cmpuint (post (s.port (), "{\"webrtc_id\":\"x\",\"type\":\"bogus\"}").
      status, ==, 422);
  /* Malformed JSON: 400 with a failed status. */
  HttpReply r = post (s.port (), "{\"webrtc_id\":");
  g_assert_cmpuint (r.status, ==, 400);
  assert_str_eq (r.body, failed ("invalid_json"));

  /* SDP that does not parse / has no audio / that webrtcbin rejects. */
  r = post (s.port (), "{\"webrtc_id\":\"bad-sdp\",\"type\":\"offer\",\"sdp\":"
      "\"hello\"}");
  assert_str_eq (r.body, failed ("invalid_sdp"));
  /* An empty one (tests/fuzz: GstSDP was critical about it). */
  r = post (s.port (), "{\"webrtc_id\":\"empty-sdp\",\"type\":\"offer\","
      "\"sdp\":\"\"}");
  assert_str_eq (r.body, failed ("invalid_sdp"));
  /* Video alone is a session when it is VP8: H.264 alone is refused. */
  const char *video_only = "v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=-\\r\\n"
      "t=0 0\\r\\nm=video 9 UDP/TLS/RTP/SAVPF 102\\r\\nc=IN IP4 0.0.0.0\\r\\n"
      "a=rtpmap:102 H264/90000\\r\\na=sendrecv\\r\\n";
  r = post (s.port (), std::string ("{\"webrtc_id\":\"video\",\"type\":\"offer\","
          "\"sdp\":\"") + video_only + "\"}");
  assert_str_eq (r.body, failed ("no_audio"));
  {
    ClientPeer c ("no-fingerprint", 440);
    std::string stripped;
    for (auto & line : split_lines (c.make_offer ()))
      if (!g_str_has_prefix (line.c_str (), "a=fingerprint") &&
          !g_str_has_prefix (line.c_str (), "a=ice-ufrag"))
        stripped += line + "\r\n";
    r = post (s.port (), c.offer_body (stripped));
    assert_str_eq (r.body, failed ("remote_description_rejected"));
  }
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0 && s.n_sessions () == 0;
      }));
  g_assert_cmpuint (s.bus->count_elements ("session-ended"), ==, 0);

  /* Candidates: bad formats. */
  for (const char *bad : {"\"candidate:1 1 udp 1 127.0.0.1 9 typ host\"",
          "{\"candidate\":42}", "{\"candidate\":\"a=candidate:x\"}",
          "{\"candidate\":\"candidate:1\",\"sdpMLineIndex\":-1}"}) {
    r = post (s.port (), candidate_body ("any", bad));
    assert_str_eq (r.body, failed ("invalid_candidate_format"));
  }
  /* End-of-candidates markers are fine. */
  r = post (s.port (), candidate_body ("later", "{\"candidate\":\"\","
          "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}"));
  assert_str_eq (r.body, "{\"status\":\"success\"}");
  r = post (s.port (), candidate_body ("later", "null"));
  assert_str_eq (r.body, "{\"status\":\"success\"}");

  /* Same id twice; over the limit (shared with WebSocket sessions). */
  ClientPeer a ("A", 440);
  g_assert_cmpuint (a.connect (s.port ()).status, ==, 200);
  ClientPeer a2 ("A", 440);
  r = post (s.port (), a2.offer_body (a2.make_offer ()));
  assert_str_eq (r.body, failed ("connection_already_exists"));
  WsClient ws;
  g_assert_true (ws.connect (s.port (), "/websocket/offer"));
  ws.send (test::fastrtc_start ("ws-B"));
  g_assert_true (s.wait_started (2));
  ClientPeer c ("C", 440);
  r = post (s.port (), c.offer_body (c.make_offer ()));
  assert_str_eq (r.body, "{\"status\":\"failed\",\"meta\":{\"error\":"
      "\"concurrency_limit_reached\",\"limit\":2}}");
  /* The WebSocket side sees the same limit. */
  WsClient ws2;
  g_assert_true (ws2.connect (s.port (), "/websocket/offer"));
  ws2.send (test::fastrtc_start ("ws-C"));
  g_assert_true (ws2.wait_message ("concurrency_limit_reached"));

  /* A candidate for a WebSocket session's id; for a closed peer. */
  r = post (s.port (), candidate_body ("ws-B", "{\"candidate\":\"\"}"));
  assert_str_eq (r.body, failed ("unknown_connection"));
  a.close ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->ended_reason ("A") == "disconnect";
      }, 15000));
  r = post (s.port (), candidate_body ("A", "{\"candidate\":\"\"}"));
  assert_str_eq (r.body, failed ("connection_closed"));
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0;
      }));
  g_assert_true (s.bus->has_warning ("A|connection_closed"));
  g_assert_cmpuint (s.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
}

/* FastRTC's browser client trickles candidates before its offer: they are
 * held, then applied. The offer here carries none, so connecting proves it. */
static void
test_early_candidates ()
{
  Server s;
  ClientPeer c ("early", 700);
  std::string bare;
  std::vector<std::string> candidates;
  for (auto & line : split_lines (c.make_offer ())) {
    if (g_str_has_prefix (line.c_str (), "a=candidate:"))
      candidates.push_back (line.substr (2));
    else if (!g_str_has_prefix (line.c_str (), "a=end-of-candidates"))
      bare += line + "\r\n";
  }
  g_assert_cmpuint (candidates.size (), >, 0);
  for (auto & cand : candidates) {
    HttpReply r = post (s.port (), candidate_body ("early",
            "{\"candidate\":" + test::json_string (cand) + ",\"sdpMid\":"
            "\"audio0\",\"sdpMLineIndex\":0,\"usernameFragment\":\"x\"}"));
    assert_str_eq (r.body, "{\"status\":\"success\"}");
  }
  HttpReply r = post (s.port (), c.offer_body (bare));
  g_assert_cmpuint (r.status, ==, 200);
  /* Without the server's candidates the client cannot start checks: only
   * the server can, from the held candidates. */
  std::string answer = json_field (r.body, "sdp"), answer_bare;
  for (auto & line : split_lines (answer))
    if (!g_str_has_prefix (line.c_str (), "a=candidate:"))
      answer_bare += line + "\r\n";
  g_assert_true (answer_bare.size () < answer.size ());
  c.set_answer (answer_bare);
  g_assert_true (s.wait_started (1));
  g_assert_true (test::wait_for ([&] {
        return s.capture.samples_of ("early") > 48000 / 2;
      }));
}

/* min-port/max-port bound the server's candidates; transports=websocket
 * takes /webrtc/offer away (and transports=webrtc the WebSocket routes). */
static void
test_ports_and_transports ()
{
  {
    Server s ("min-port=41000 max-port=41010");
    ClientPeer c ("ranged", 440);
    HttpReply r = c.connect (s.port ());
    size_t candidates = 0;
    for (auto & line : split_lines (json_field (r.body, "sdp"))) {
      if (!g_str_has_prefix (line.c_str (), "a=candidate:"))
        continue;
      gchar **f = g_strsplit (line.c_str (), " ", -1);
      guint port = g_strv_length (f) > 5 ? atoi (f[5]) : 0;
      g_strfreev (f);
      if (line.find (" udp ") == std::string::npos &&
          line.find (" UDP ") == std::string::npos)
        continue;               /* TCP candidates use their own ports */
      g_assert_cmpuint (port, >=, 41000);
      g_assert_cmpuint (port, <=, 41010);
      candidates++;
    }
    g_assert_cmpuint (candidates, >, 0);
    g_assert_true (s.wait_started (1));
  }
  {
    Server s ("transports=websocket");
    g_assert_cmpuint (post (s.port (), "{}").status, ==, 404);
    WsClient ws;
    g_assert_true (ws.connect (s.port (), "/websocket/offer"));
  }
  {
    Server s ("transports=webrtc");
    WsClient ws;
    g_assert_false (ws.connect (s.port (), "/websocket/offer"));
    g_assert_cmpuint (post (s.port (), "{}").status, ==, 422);
  }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webrtc/signalling-errors", test_signalling_errors);
  g_test_add_func ("/webrtc/early-candidates", test_early_candidates);
  g_test_add_func ("/webrtc/ports-and-transports", test_ports_and_transports);
  return g_test_run ();
}
