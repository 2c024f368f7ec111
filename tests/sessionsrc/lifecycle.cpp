/* sessionsrc with real clients on loopback: how sessions and the server
 * end and start (disconnects, shutdown and restart, limits, timeouts,
 * churn, the port, I/O threads).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sessionsrc/fixture.h"

using test::Tone;
using test::WsClient;

/* A client that vanishes (TCP reset) ends its session with reason
 * disconnect, and every frame it sent before vanishing (all at once, then
 * the reset as soon as the server's kernel has them: likely still unread by
 * the server) is delivered, before its session-end; the other sessions lose
 * nothing. */
static void
test_disconnect ()
{
  Pipeline p;
  p.play ();
  test::RawWsClient a;
  a.set_no_delay ();
  WsClient b, quiet;
  Tone tone (700, 48000);
  g_assert_true (a.connect (p.port (), "/websocket/offer"));
  g_assert_true (b.connect (p.port (), "/websocket/offer"));
  g_assert_true (quiet.connect (p.port (), "/websocket/offer"));
  a.send (test::fastrtc_start ("vanishing"));
  b.send (test::fastrtc_start ("steady"));
  quiet.send (test::fastrtc_start ("polite"));
  std::string vanishing_sent;
  for (int f = 0; f < 100; f++) {
    if (f == 30) {
      for (int i = 0; i < 30; i++) {
        std::string mu = tone.next_mulaw (960);
        vanishing_sent += mu;
        a.send (test::fastrtc_media (mu));
      }
      g_assert_true (a.wait_acknowledged ());
      a.reset ();
    }
    if (f == 40)
      quiet.close ();           /* close frame, no stop */
    b.send (test::fastrtc_media (tone.next_mulaw (960)));
    test::spin (1);
  }
  b.send ("{\"event\":\"stop\"}");
  g_assert_true (p.wait_ended (3));
  assert_str_eq (p.bus->ended_reason ("vanishing"), "disconnect");
  assert_str_eq (p.bus->ended_reason ("polite"), "disconnect");
  assert_str_eq (p.bus->ended_reason ("steady"), "stop");
  g_assert_true (test::wait_for ([&] {
        return p.capture.samples_of ("steady") == 100 * 960;
      }));
  g_assert_true (test::wait_for ([&] {
        std::lock_guard < std::mutex > l (p.capture.lock);
        return p.capture.sessions["vanishing"].end_events == 1;
      }));
  g_test_message ("vanishing: %zu of %d samples", p.capture.samples_of
      ("vanishing"), 30 * 960);
  g_assert_true (p.capture.samples_copy ("vanishing") ==
      decode (vanishing_sent));
  {
    std::lock_guard < std::mutex > l (p.capture.lock);
    for (auto & id : {"vanishing", "steady", "polite"})
      g_assert_false (p.capture.sessions[id].buffer_after_end);
  }
  g_assert_cmpuint (p.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
}

/* Pipeline to READY ends sessions with reason shutdown and close code 1001;
 * back to PLAYING accepts again. */
static void
test_shutdown_restart ()
{
  Pipeline p;
  p.play ();
  WsClient a;
  g_assert_true (a.connect (p.port (), "/websocket/offer"));
  a.send (test::fastrtc_start ("before"));
  Tone tone (600, 48000);
  a.send (test::fastrtc_media (tone.next_mulaw (960)));
  g_assert_true (test::wait_for ([&] {
        return p.capture.samples_of ("before") == 960;
      }));
  guint n = 0;
  g_object_get (p.src, "n-sessions", &n, NULL);
  g_assert_cmpuint (n, ==, 1);

  /* set_state blocks while the server waits for clients to answer the close
   * frame; this client's libsoup runs on this thread, so stop from another
   * thread and keep iterating. */
  GThread *stopper = g_thread_new ("stop", [](gpointer data)->gpointer {
        gst_element_set_state (GST_ELEMENT (data), GST_STATE_READY);
        return nullptr;
      }, p.pipeline);
  g_assert_true (a.wait_closed ());
  g_thread_join (stopper);
  g_assert_cmpuint (a.close_code, ==, 1001);
  assert_str_eq (p.bus->ended_reason ("before"), "shutdown");
  g_object_get (p.src, "n-sessions", &n, NULL);
  g_assert_cmpuint (n, ==, 0);
  /* Not listening while stopped: port reads back the configured 0. */
  g_assert_cmpuint (p.port (), ==, 0);

  p.play ();
  WsClient b;
  g_assert_true (b.connect (p.port (), "/websocket/offer"));
  b.send (test::fastrtc_start ("after"));
  b.send (test::fastrtc_media (tone.next_mulaw (960)));
  g_assert_true (test::wait_for ([&] {
        return p.capture.samples_of ("after") == 960;
      }));
  /* The same id may come back after its session ended. */
  WsClient again;
  g_assert_true (again.connect (p.port (), "/websocket/offer"));
  again.send (test::fastrtc_start ("before"));
  again.send (test::fastrtc_media (tone.next_mulaw (960)));
  g_assert_true (test::wait_for ([&] {
        return p.capture.samples_of ("before") == 2 * 960;
      }));
}

/* max-sessions: the next start is refused exactly as FastRTC does, and a
 * slot frees when a session ends. Duplicate ids are refused while live. */
static void
test_limits ()
{
  Pipeline p ("max-sessions=2");
  p.play ();
  WsClient a, b, c, d, dup;
  g_assert_true (a.connect (p.port (), "/websocket/offer"));
  g_assert_true (b.connect (p.port (), "/websocket/offer"));
  g_assert_true (c.connect (p.port (), "/telephone/handler"));
  a.send (test::fastrtc_start ("A"));
  b.send (test::fastrtc_start ("B"));
  g_assert_true (test::wait_for ([&] {
        return p.bus->count_elements ("session-started") == 2;
      }));
  c.send (test::twilio_start ("C"));
  g_assert_true (c.wait_closed ());
  g_assert_cmpuint (c.messages.size (), ==, 1);
  g_assert_cmpstr (c.messages[0].c_str (), ==, "{\"status\":\"failed\","
      "\"meta\":{\"error\":\"concurrency_limit_reached\",\"limit\":2}}");
  g_assert_cmpuint (c.close_code, ==, 1008);
  g_assert_true (p.bus->has_warning ("|concurrency_limit_reached"));

  /* Same id as a live session. */
  g_assert_true (dup.connect (p.port (), "/websocket/offer"));
  dup.send (test::fastrtc_start ("A"));
  g_assert_true (dup.wait_closed ());
  g_assert_cmpstr (dup.messages[0].c_str (), ==, "{\"status\":\"failed\","
      "\"meta\":{\"error\":\"connection_already_exists\"}}");
  g_assert_cmpuint (dup.close_code, ==, 1008);

  /* A is untouched by all this. */
  Tone tone (800, 48000);
  a.send (test::fastrtc_media (tone.next_mulaw (960)));
  g_assert_true (test::wait_for ([&] {
        return p.capture.samples_of ("A") == 960;
      }));

  a.send ("{\"event\":\"stop\"}");
  g_assert_true (p.wait_ended (1));
  g_assert_true (d.connect (p.port (), "/websocket/offer"));
  d.send (test::fastrtc_start ("D"));
  g_assert_true (test::wait_for ([&] {
        return p.bus->count_elements ("session-started") == 3;
      }));
  g_assert_false (d.closed);
  g_assert_cmpuint (p.bus->count_elements ("session-started"), ==, 3);
}

/* time-limit and idle-timeout end sessions with their reasons, each inside
 * its window (the timeout, plus at most the server's tick). time-limit
 * counts from start even while media flows; idle-timeout from the last
 * media, so a client that keeps talking stays. Two servers at once: each
 * client meets one limit only. */
static void
test_timeouts ()
{
  const guint limit_s = 2, idle_s = 2;
  Pipeline limited ("time-limit=" + std::to_string (limit_s));
  Pipeline idling ("idle-timeout=" + std::to_string (idle_s));
  limited.play ();
  idling.play ();
  WsClient busy, idle, talking;
  g_assert_true (busy.connect (limited.port (), "/websocket/offer"));
  g_assert_true (idle.connect (idling.port (), "/websocket/offer"));
  g_assert_true (talking.connect (idling.port (), "/websocket/offer"));
  const gint64 before_start = g_get_monotonic_time ();
  busy.send (test::fastrtc_start ("busy"));
  idle.send (test::fastrtc_start ("idle"));
  talking.send (test::fastrtc_start ("talking"));
  Tone tone (900, 48000);
  const gint64 give_up = before_start + (limit_s + 4) * G_USEC_PER_SEC;
  while (!(busy.closed && idle.closed) && g_get_monotonic_time () < give_up) {
    busy.send (test::fastrtc_media (tone.next_mulaw (960)));
    talking.send (test::fastrtc_media (tone.next_mulaw (960)));
    test::spin (20);
  }
  g_assert_true (busy.closed);
  g_assert_true (idle.closed);
  assert_str_eq (limited.bus->ended_reason ("busy"), "time-limit");
  assert_str_eq (idling.bus->ended_reason ("idle"), "idle");
  g_assert_cmpuint (busy.close_code, ==, 1000);
  g_assert_cmpuint (idle.close_code, ==, 1000);
  test::assert_ended_in_window (*limited.bus, "busy", before_start, limit_s,
      limited.bus->time_of ("session-started", "busy"));
  test::assert_ended_in_window (*idling.bus, "idle", before_start, idle_s,
      idling.bus->time_of ("session-started", "idle"));
  /* Media kept the other one alive past its idle timeout. */
  g_assert_false (talking.closed);
  assert_str_eq (idling.bus->ended_reason ("talking"), "");
  g_assert_cmpuint (idling.n_sessions (), ==, 1);
}

/* Session churn: 50 sequential sessions leave no file descriptor, thread
 * or session behind. */
static void
test_churn ()
{
  Pipeline p;
  p.play ();
  Tone tone (440, 48000);
  auto one_session = [&](int i) {
    WsClient c;
    g_assert_true (c.connect (p.port (), i % 2 ? "/telephone/handler" :
            "/websocket/offer"));
    std::string id = "churn-" + std::to_string (i);
    c.send (i % 2 ? test::twilio_start (id) : test::fastrtc_start (id));
    c.send (i % 2 ? test::twilio_media (id, 2, tone.next_mulaw (160)) :
        test::fastrtc_media (tone.next_mulaw (960)));
    c.send ("{\"event\":\"stop\"}");
    g_assert_true (c.wait_closed ());
  };
  /* Warm up (lazy initialisations), then measure. */
  one_session (-2);
  one_session (-1);
  g_assert_true (p.wait_ended (2));
  test::spin (100);
  size_t fds = test::count_entries ("/proc/self/fd");
  size_t threads = test::count_entries ("/proc/self/task");
  for (int i = 0; i < 50; i++)
    one_session (i);
  g_assert_true (p.wait_ended (52));
  g_assert_true (test::wait_for ([&] {
        return test::count_entries ("/proc/self/fd") <= fds &&
            test::count_entries ("/proc/self/task") <= threads;
      }));
  g_test_message ("fds %zu -> %zu, threads %zu -> %zu", fds,
      test::count_entries ("/proc/self/fd"), threads, test::count_entries ("/proc/self/task"));
  guint n = 1;
  g_object_get (p.src, "n-sessions", &n, NULL);
  g_assert_cmpuint (n, ==, 0);
  for (int i = 0; i < 50; i++) {
    std::string id = "churn-" + std::to_string (i);
    /* Twilio: 160 samples at 8 kHz → 960 at 48 kHz; FastRTC: 960. */
    g_assert_cmpuint (p.capture.samples_of (id), ==, 960);
  }
}

/* port=0 binds a free port and reads it back; two elements on one port:
 * the second fails with a clear error. */
static void
test_port ()
{
  Pipeline a;
  a.play ();
  guint port = a.port ();
  std::string props = "port=" + std::to_string (port);
  GstElement *pipe = gst_parse_launch (("sessionsrc address=127.0.0.1 " +
          props + " ! fakesink").c_str (), nullptr);
  test::BusLog bus (pipe);
  g_assert_cmpint (gst_element_set_state (pipe, GST_STATE_PLAYING), ==,
      GST_STATE_CHANGE_FAILURE);
  g_assert_cmpuint (bus.count_type (GST_MESSAGE_ERROR), ==, 1);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
}


/* io-threads: connections spread over several threads sharing the port;
 * every session intact, one max-sessions across them. */
static void
test_io_threads ()
{
  Pipeline p ("io-threads=4 max-sessions=12");
  p.play ();
  const int n = 12, frames = 20;
  std::vector<std::unique_ptr<WsClient>> clients;
  Tone tone (500, 48000);
  for (int i = 0; i < n; i++) {
    clients.push_back (std::make_unique<WsClient> ());
    g_assert_true (clients.back ()->connect (p.port (), "/websocket/offer"));
    clients.back ()->send (test::fastrtc_start ("io-" + std::to_string (i)));
  }
  g_assert_true (test::wait_for ([&] {
        return p.bus->count_elements ("session-started") == (size_t) n;
      }));
  WsClient extra;
  g_assert_true (extra.connect (p.port (), "/websocket/offer"));
  extra.send (test::fastrtc_start ("one-too-many"));
  g_assert_true (extra.wait_message ("concurrency_limit_reached"));
  /* Four I/O threads exist, and the connections are served by more than
   * one of them (all 12 on one socket: odds 4 x 4^-12). */
  auto before = test::thread_wakeups ("sessionserver");
  g_assert_cmpuint (before.size (), ==, 4);
  for (int f = 0; f < frames; f++) {
    for (auto & c : clients)
      c->send (test::fastrtc_media (tone.next_mulaw (960)));
    test::spin (5);
  }
  g_assert_true (test::wait_for ([&] {
        return p.capture.samples_of ("io-11") == (size_t) frames * 960;
      }));
  g_assert_cmpint (test::threads_that_worked (before,
          test::thread_wakeups ("sessionserver"), frames), >=, 2);
  for (auto & c : clients)
    c->send ("{\"event\":\"stop\"}");
  g_assert_true (p.wait_ended (n));
  for (int i = 0; i < n; i++) {
    std::string id = "io-" + std::to_string (i);
    g_assert_true (test::wait_for ([&] {
          return p.capture.samples_of (id) == (size_t) frames * 960;
        }));
    assert_str_eq (p.bus->ended_reason (id), "stop");
  }
}

/* session-failed: with session-pads, a session whose branch fails
 * (not-negotiated) ends alone with handler_failed; the signal names it and
 * the flow return, and a handler returning TRUE silences sessionsrc's own
 * warning for that session (sessionbin reports its handlers' failures this
 * way). */
struct FailedTest
{
  GstElement *pipeline = nullptr;
  std::mutex lock;
  std::map<std::string, std::string> failed;   /* id -> flow return */
};

static void
test_session_failed ()
{
  Pipeline p ("session-pads=true", false);
  FailedTest t;
  t.pipeline = p.pipeline;
  g_signal_connect (p.src, "pad-added", G_CALLBACK (+[](GstElement *,
              GstPad * pad, FailedTest * t) {
            GstElement *branch = gst_parse_bin_from_description
                ("capsfilter caps=audio/x-raw,format=F32LE ! fakesink "
                "async=false", TRUE, nullptr);
            g_assert_nonnull (branch);
            gst_bin_add (GST_BIN (t->pipeline), branch);
            gst_element_sync_state_with_parent (branch);
            GstPad *sink = gst_element_get_static_pad (branch, "sink");
            /* Linked without a caps check: the push finds out. */
            g_assert_cmpint (gst_pad_link_full (pad, sink,
                    GST_PAD_LINK_CHECK_NOTHING), ==, GST_PAD_LINK_OK);
            gst_object_unref (sink);
          }), &t);
  g_signal_connect (p.src, "session-failed", G_CALLBACK (+[](GstElement *,
              GstSessionContext * context, const gchar * flow,
              FailedTest * t)->gboolean {
            std::string id = gst_session_context_get_id (context);
            std::lock_guard < std::mutex > l (t->lock);
            t->failed[id] = flow;
            return id == "quiet";
          }), &t);
  p.play ();

  WsClient c[2];
  const char *ids[] = { "quiet", "loud" };
  Tone tone (500, 48000);
  for (int i = 0; i < 2; i++) {
    g_assert_true (c[i].connect (p.port (), "/websocket/offer"));
    c[i].send (test::fastrtc_start (ids[i]));
  }
  for (int f = 0; f < 10; f++)
    for (auto & cl : c)
      cl.send (test::fastrtc_media (tone.next_mulaw (960)));
  for (auto & cl : c)
    g_assert_true (cl.wait_message ("handler_failed"));
  g_assert_true (p.wait_ended (2));
  {
    std::lock_guard < std::mutex > l (t.lock);
    g_assert_cmpuint (t.failed.size (), ==, 2);
    for (const char *id : ids)
      assert_str_eq (t.failed[id], "not-negotiated");
  }
  for (const char *id : ids)
    assert_str_eq (p.bus->ended_reason (id), "error");
  g_assert_true (p.bus->has_warning ("loud|handler_failed"));
  g_assert_false (p.bus->has_warning ("quiet|handler_failed"));
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sessionsrc/disconnect", test_disconnect);
  g_test_add_func ("/sessionsrc/shutdown-restart", test_shutdown_restart);
  g_test_add_func ("/sessionsrc/limits", test_limits);
  g_test_add_func ("/sessionsrc/timeouts", test_timeouts);
  g_test_add_func ("/sessionsrc/port", test_port);
  g_test_add_func ("/sessionsrc/churn", test_churn);
  g_test_add_func ("/sessionsrc/io-threads", test_io_threads);
  g_test_add_func ("/sessionsrc/session-failed", test_session_failed);
  return g_test_run ();
}
