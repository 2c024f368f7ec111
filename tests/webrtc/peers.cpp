/* WebRTC transport, client webrtcbins in this process (ICE on 127.0.0.1):
 * peers with a WebSocket client on one port, each hearing its own tone,
 * served by several I/O threads, through sessionbin.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/fixture.h"

/* Threads of this process whose name starts with @prefix and whose nice
 * value is not 0 or whose policy is not SCHED_OTHER. */
static int
threads_reniced (const char *prefix)
{
  int n = 0;
  GDir *dir = g_dir_open ("/proc/self/task", 0, nullptr);
  while (const char *tid = dir ? g_dir_read_name (dir) : nullptr) {
    gchar *stat = nullptr;
    std::string path = std::string ("/proc/self/task/") + tid + "/stat";
    if (g_file_get_contents (path.c_str (), &stat, nullptr, nullptr)) {
      const char *open = strchr (stat, '('), *close = strrchr (stat, ')');
      if (open && close && g_str_has_prefix (open + 1, prefix)) {
        /* After ") ": state, then fields 4..; nice is field 19. */
        gchar **f = g_strsplit (close + 2, " ", 0);
        /* Field N is f[N - 3]: nice is 19, policy 41. */
        if (g_strv_length (f) > 38 && (atoi (f[16]) != 0 || atoi (f[38])))
          n++;
        g_strfreev (f);
      }
    }
    g_free (stat);
  }
  if (dir)
    g_dir_close (dir);
  return n;
}

/* Three peers with distinct tones and a WebSocket client, one pipeline, one
 * port: every buffer's context matches its sender, each peer hears its own
 * tone back, data channel both ways, contexts say webrtc. */
static void
test_peers_echo ()
{
  Server s ("opus-complexity=2");
  const double freqs[3] = { 350, 900, 2200 };
  std::vector<std::unique_ptr<ClientPeer>> peers;
  std::map<std::string, gint64> round_trip_us;
  for (int i = 0; i < 3; i++) {
    peers.push_back (std::make_unique<ClientPeer> ("peer-" +
            std::to_string (i), freqs[i]));
    const std::string offer = peers.back ()->offer_body (peers.back ()->
        make_offer ());
    gint64 t0 = g_get_monotonic_time ();
    HttpReply r = post (s.port (), offer);
    round_trip_us[peers.back ()->id ()] = g_get_monotonic_time () - t0;
    g_test_message ("offer -> answer: %.1f ms",
        round_trip_us[peers.back ()->id ()] / 1000.0);
    g_assert_cmpuint (r.status, ==, 200);
    assert_str_eq (json_field (r.body, "type"), "answer");
    std::string sdp = json_field (r.body, "sdp");
    /* FastRTC's server test: audio and the data channel in the answer, and
     * every server candidate in it (no trickle). */
    g_assert_nonnull (strstr (sdp.c_str (), "m=audio"));
    g_assert_nonnull (strstr (sdp.c_str (), "m=application"));
    g_assert_nonnull (strstr (sdp.c_str (), "a=candidate:"));
    peers.back ()->set_answer (sdp);
  }
  WsClient ws;
  g_assert_true (ws.connect (s.port (), "/websocket/offer"));
  ws.send (test::fastrtc_start ("websocket-too"));
  g_assert_true (s.wait_started (4));
  /* The server's peers were built on the I/O thread: their threads (ICE
   * carries the media) run at normal priority, not at the nice 10 of the
   * handshake thread that took the offers (a thread inherits its
   * creator's), nor at the I/O thread's SCHED_BATCH. */
  g_assert_cmpint (threads_reniced ("webrtcbin"), ==, 0);
  g_assert_cmpint (threads_reniced ("rtpsession"), ==, 0);

  /* Data channel: FastRTC's client says "handshake" once open. */
  std::vector<std::string> app;
  std::mutex app_lock;
  g_signal_connect (s.src, "session-message", G_CALLBACK (+[](GstElement *,
              GstSessionContext * ctx, const gchar * json, gpointer data) {
            static_cast<std::vector<std::string> *> (data)->push_back
                (std::string (gst_session_context_get_id (ctx)) + "=" + json);
          }), &app);
  g_assert_true (test::wait_for ([&] {
        return peers[1]->channel_open ();
      }));
  peers[1]->send ("handshake");
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-message") >= 1;
      }));
  auto msgs = s.bus->elements ("session-message");
  g_assert_cmpstr (gst_structure_get_string (msgs[0], "session-id"), ==,
      "peer-1");
  g_assert_cmpstr (gst_structure_get_string (msgs[0], "message"), ==,
      "handshake");
  for (auto *m : msgs)
    gst_structure_free (m);
  /* The server's end of the channel opens when the client's does. */
  gboolean ok = FALSE;
  g_assert_true (test::wait_for ([&] {
        g_signal_emit_by_name (s.sink, "send-message", "peer-2",
            "{\"type\":\"log\",\"data\":\"hi\"}", &ok);
        return ok;
      }));
  g_assert_true (test::wait_for ([&] {
        return !peers[2]->channel_messages ().empty ();
      }));
  assert_str_eq (peers[2]->channel_messages ()[0],
      "{\"type\":\"log\",\"data\":\"hi\"}");

  /* opus-complexity reached each peer's encoder. */
  int encoders = 0;
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (s.src));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    auto *e = GST_ELEMENT (g_value_get_object (&v));
    GstElementFactory *f = gst_element_get_factory (e);
    if (f && g_strcmp0 (GST_OBJECT_NAME (f), "opusenc") == 0) {
      gint complexity = -1;
      g_object_get (e, "complexity", &complexity, NULL);
      g_assert_cmpint (complexity, ==, 2);
      encoders++;
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  g_assert_cmpint (encoders, ==, 3);
  /* Each peer receives: its send chain starts at an appsrc. */
  g_assert_cmpuint (count_made_by (GST_BIN (s.src), "appsrc"), ==, 3);
  g_assert_cmpuint (count_made_by (GST_BIN (s.src), "opusenc"), ==, 3);

  /* Two seconds of audio each way. */
  test::Tone tone (600, 48000);
  for (int f = 0; f < 100; f++) {
    ws.send (test::fastrtc_media (tone.next_mulaw (960)));
    test::spin (20);
  }
  for (auto & p : peers) {
    auto heard = p->received ();
    double f = tone_of (heard);
    g_test_message ("%s: sent %.0f Hz, heard %.0f Hz (%zu samples)",
        p->id ().c_str (), p->freq (), f, heard.size ());
    g_assert_cmpuint (heard.size (), >, 48000);
    g_assert_cmpfloat (std::fabs (f - p->freq ()), <, p->freq () * 0.05);
  }

  {
    std::lock_guard < std::mutex > l (s.capture.lock);
    g_assert_cmpuint (s.capture.buffers_without_context, ==, 0);
    for (auto & p : peers) {
      auto & cs = s.capture.sessions[p->id ()];
      g_assert_cmpuint (cs.samples.size (), >, 48000);
      /* Every buffer with this peer's context holds this peer's tone. */
      size_t checked = 0;
      for (size_t k = 10; k < cs.buffers.size (); k++) {
        auto[offset, len] = cs.buffers[k];
        if (len < 480)
          continue;
        double f = test::estimate_frequency (cs.samples.data () + offset, len,
            48000);
        if (std::fabs (f - p->freq ()) > p->freq () * 0.1 + 30)
          g_error ("%s buffer %zu: %.0f Hz", p->id ().c_str (), k, f);
        checked++;
      }
      g_assert_cmpuint (checked, >, 50);
    }
    g_assert_cmpuint (s.capture.sessions["websocket-too"].samples.size (), ==,
        100 * 960);
  }

  for (auto *st : s.bus->elements ("session-started")) {
    GstSessionContext *ctx = nullptr;
    gst_structure_get (st, "context", GST_TYPE_SESSION_CONTEXT, &ctx, NULL);
    std::string id = gst_session_context_get_id (ctx);
    bool rtc = g_str_has_prefix (id.c_str (), "peer-");
    g_assert_cmpint (gst_session_context_get_transport (ctx), ==, rtc ?
        GST_SESSION_TRANSPORT_WEBRTC : GST_SESSION_TRANSPORT_WEBSOCKET);
    /* The selected candidate pair's remote address: one of the peer's ICE
     * candidates, not the HTTP connection the offer came on. */
    const char *remote = gst_session_context_get_remote_address (ctx);
    g_assert_true (g_str_has_prefix (remote, "127.0.0.1:"));
    if (rtc) {
      guint port = atoi (strchr (remote, ':') + 1);
      bool found = false;
      for (auto & p : peers)
        found |= p->id () == id && p->has_candidate_port (port);
      if (!found)
        g_error ("%s: remote %s is not one of its candidates", id.c_str (),
            remote);
    }
    g_object_unref (ctx);
    gst_structure_free (st);
  }
  g_assert_cmpuint (s.n_sessions (), ==, 4);
  g_assert_cmpuint (s.n_peers (), ==, 3);
  for (auto *a : s.bus->elements ("session-answer")) {
    guint64 t = 0;
    gst_structure_get_uint64 (a, "setup-time", &t);
    const char *id = gst_structure_get_string (a, "session-id");
    g_test_message ("%s: answer after %.1f ms (server side)", id, t / 1e6);
    /* In nanoseconds: within the client's round trip, and more than the
     * millisecond that making a webrtcbin and its answer takes at least. */
    g_assert_cmpuint (t, <=, (guint64) round_trip_us[id] * GST_USECOND);
    g_assert_cmpuint (t, >=, GST_MSECOND);
    gst_structure_free (a);
  }

  /* Peers go away: sessions end, their webrtcbins are removed. */
  for (auto & p : peers)
    p->close ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-ended") >= 3;
      }, 15000));
  for (auto & p : peers)
    assert_str_eq (s.bus->ended_reason (p->id ()), "disconnect");
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0;
      }));
  g_assert_cmpuint (s.n_sessions (), ==, 1);
  g_assert_cmpuint (s.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
}

/* Which handshake thread (each I/O thread's, named sessionaccept: it
 * answers HTTP) served @request: the one that woke most, more than any
 * other (a tick wakes them all once), or "". (At nice 10 on a busy core a
 * request may find all its bytes there when the thread first runs: one
 * wakeup.) */
static std::string
served_by (const std::function<void ()> & request)
{
  auto before = test::thread_wakeups ("sessionaccept");
  request ();
  auto after = test::thread_wakeups ("sessionaccept");
  std::string best;
  long most = 0, second = 0;
  for (auto &[tid, count] : after) {
    long woke = count - (before.count (tid) ? before[tid] : 0);
    if (woke > most) {
      second = most;
      most = woke;
      best = tid;
    } else if (woke > second) {
      second = woke;
    }
  }
  return most > second ? best : "";
}

/* WebRTC peers served by several I/O threads: each thread takes offers
 * (the thread that takes a peer's offer serves it), and every peer hears
 * its own tone. */
static void
test_io_threads ()
{
  Server s ("io-threads=3");
  g_assert_cmpuint (test::thread_wakeups ("sessionserver").size (), ==, 3);
  g_assert_cmpuint (test::thread_wakeups ("sessionaccept").size (), ==, 3);
  std::vector<std::unique_ptr<ClientPeer>> peers;
  std::set<std::string> peer_threads;
  for (int i = 0; i < 3; i++) {
    peers.push_back (std::make_unique<ClientPeer> ("io-peer-" +
            std::to_string (i), 400 + 300 * i));
    std::string offer = peers.back ()->offer_body (peers.back ()->
        make_offer ());
    HttpReply r;
    peer_threads.insert (served_by ([&] {
              r = post (s.port (), offer);
            }));
    g_assert_cmpuint (r.status, ==, 200);
    peers.back ()->set_answer (json_field (r.body, "sdp"));
  }
  g_assert_true (s.wait_started (3));
  /* Three offers land on one thread one time in nine: more requests on
   * the same route show the spread (all on one: 3 x 3^-30). */
  std::set<std::string> threads;
  for (int i = 0; i < 30; i++)
    threads.insert (served_by ([&] {
              g_assert_cmpuint (post (s.port (), "{}").status, ==, 422);
            }));
  threads.erase ("");
  g_test_message ("offers of the 3 peers on %zu thread(s), 30 requests on "
      "%zu", peer_threads.size (), threads.size ());
  g_assert_cmpuint (threads.size (), >=, 2);
  g_assert_true (test::wait_for ([&] {
        for (auto & p : peers)
          if (tone_of (p->received ()) == 0)
            return false;
        return true;
      }, 10000));
  for (auto & p : peers)
    g_assert_cmpfloat (std::fabs (tone_of (p->received ()) - p->freq ()), <,
        p->freq () * 0.05);
  for (auto & p : peers)
    p->close ();
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0 && s.n_sessions () == 0;
      }, 15000));
}

/* sessionbin with a stateful handler per session: in-process webrtcbin
 * peers each hear their own tone back through their own handler (two
 * resamplers each, none shared), Opus both ways. */
static void
test_sessionbin_peers ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 opus-complexity=2 handler=\"audioconvert ! "
      "audioresample ! audio/x-raw,rate=16000 ! audioresample\"");
  s.play ();
  const double freqs[2] = { 450, 1300 };
  std::vector<std::unique_ptr<ClientPeer>> peers;
  for (int i = 0; i < 2; i++) {
    peers.push_back (std::make_unique<ClientPeer> ("bin-peer-" +
            std::to_string (i), freqs[i]));
    HttpReply r = peers.back ()->connect (s.port ());
    g_assert_cmpuint (r.status, ==, 200);
    assert_str_eq (json_field (r.body, "type"), "answer");
  }
  g_assert_true (s.wait_started (2));
  g_assert_true (test::wait_for ([&] {
        for (auto & p : peers)
          if (p->received ().size () < 2 * 48000)
            return false;
        return true;
      }, 15000));
  for (auto & p : peers) {
    auto heard = p->received ();
    double f = tone_of (heard);
    g_test_message ("%s: sent %.0f Hz, heard %.0f Hz (%zu samples)",
        p->id ().c_str (), p->freq (), f, heard.size ());
    g_assert_cmpfloat (std::fabs (f - p->freq ()), <, p->freq () * 0.05);
  }
  /* One handler per session: 2 resamplers each, plus one on each output
   * chain (the peers' own, inside the inner sessionsrc, not counted). */
  auto count_resamplers = [](GstElement * bin) {
    int n = 0;
    GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
    GValue v = G_VALUE_INIT;
    while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      GstElementFactory *f = gst_element_get_factory
          (GST_ELEMENT (g_value_get_object (&v)));
      if (f && g_str_equal (GST_OBJECT_NAME (f), "audioresample"))
        n++;
      g_value_reset (&v);
    }
    g_value_unset (&v);
    gst_iterator_free (it);
    return n;
  };
  GstElement *inner = gst_bin_get_by_name (GST_BIN (s.src), "sessionsrc");
  g_assert_nonnull (inner);
  int resamplers = count_resamplers (s.src) - count_resamplers (inner);
  gst_object_unref (inner);
  g_assert_cmpint (resamplers, ==, 2 * 3);
  for (auto & p : peers)
    p->close ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-handler-done") >= 2;
      }, 15000));
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webrtc/peers-echo", test_peers_echo);
  g_test_add_func ("/webrtc/io-threads", test_io_threads);
  g_test_add_func ("/webrtc/sessionbin", test_sessionbin_peers);
  return g_test_run ();
}
