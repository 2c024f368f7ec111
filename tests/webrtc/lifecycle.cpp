/* WebRTC transport: how peers' sessions end (connect and peer timeouts,
 * time limit, shutdown, a drain's deadline), 50 sequential peers leaving
 * nothing behind and 100 with audio and video through sessionbin, session
 * pads.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/avclient.h"

/* Not connected within connect-timeout: session-ended connect-timeout and
 * the webrtcbin is gone. A peer that vanishes: peer-timeout. Each inside
 * its window (the timeout, plus at most the server's tick). */
static void
test_timeouts ()
{
  const guint connect_s = 2, peer_s = 2;
  Server s ("connect-timeout=" + std::to_string (connect_s) +
      " peer-timeout=" + std::to_string (peer_s));
  ClientPeer never ("never", 440);
  const std::string offer = never.offer_body (never.make_offer ());
  const gint64 before_offer = g_get_monotonic_time ();
  HttpReply r = post (s.port (), offer);
  const gint64 answered = g_get_monotonic_time ();
  g_assert_cmpuint (r.status, ==, 200);   /* answer, never applied */
  g_assert_cmpuint (s.n_peers (), ==, 1);
  g_assert_true (test::wait_for ([&] {
        return s.bus->ended_reason ("never") == "connect-timeout";
      }, (connect_s + 4) * 1000));
  /* The clock starts when the offer comes: between the two. */
  test::assert_ended_in_window (*s.bus, "never", before_offer, connect_s,
      answered);
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0 && s.n_sessions () == 0;
      }));
  /* It never started. */
  g_assert_cmpuint (s.bus->count_elements ("session-started"), ==, 0);

  ClientPeer gone ("gone", 440);
  g_assert_cmpuint (gone.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (1));
  g_assert_true (test::wait_for ([&] {
        return s.capture.samples_of ("gone") > 0;
      }));
  const gint64 before_vanish = g_get_monotonic_time ();
  gone.vanish ();
  const gint64 vanished = g_get_monotonic_time ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->ended_reason ("gone") == "disconnect";
      }, (peer_s + 4) * 1000));
  /* The last media came just before the client stopped: its clock starts
   * then (a 20 ms frame and some jitter before, at the earliest). */
  test::assert_ended_in_window (*s.bus, "gone", before_vanish - 200 * 1000,
      peer_s, vanished);
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0;
      }));
}

/* 50 sequential peers: nothing accumulates (elements, fds, threads). */
static void
test_churn ()
{
  Server s;
  auto one = [&](int i) {
    ClientPeer c ("churn-" + std::to_string (i), 500);
    g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
    g_assert_true (test::wait_for ([&] {
          return s.capture.samples_of (c.id ()) > 0;
        }));
    size_t ended = s.bus->count_elements ("session-ended");
    c.close ();
    g_assert_true (test::wait_for ([&] {
          return s.bus->count_elements ("session-ended") > ended;
        }, 15000));
  };
  one (-2);
  one (-1);
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0;
      }));
  test::spin (300);
  size_t fds = test::count_entries ("/proc/self/fd");
  size_t threads = test::count_entries ("/proc/self/task");
  gint64 t0 = g_get_monotonic_time ();
  for (int i = 0; i < 50; i++)
    one (i);
  g_test_message ("50 sessions in %.1f s", (g_get_monotonic_time () - t0) /
      1e6);
  bool clean = test::wait_for ([&] {
        return s.n_peers () == 0 && s.n_sessions () == 0 &&
            test::count_entries ("/proc/self/fd") <= fds &&
            test::count_entries ("/proc/self/task") <= threads;
      }, 10000);
  if (!clean)
    g_error ("left behind: %u peers, %u sessions, fds %zu -> %zu, threads "
        "%zu -> %zu", s.n_peers (), s.n_sessions (), fds,
        test::count_entries ("/proc/self/fd"), threads,
        test::count_entries ("/proc/self/task"));
  g_test_message ("children 0, fds %zu -> %zu, threads %zu -> %zu", fds,
      test::count_entries ("/proc/self/fd"), threads,
      test::count_entries ("/proc/self/task"));
  g_assert_cmpuint (s.bus->count_elements ("session-ended"), ==, 52);
  /* 52 peers' webrtcbins, nice, DTLS, SRTP and codec elements came and
   * went (~130 state changes each): none of their state changes reached
   * the application's bus, only those of the pipeline's own elements. */
  for (auto & source : s.bus->state_sources ())
    if (source.depth > 1)
      g_error ("a state change on the bus from inside a pipeline's element "
          "(%d deep): %s", source.depth, source.name.c_str ());
  g_test_message ("state changes on the bus: %zu",
      s.bus->state_sources ().size ());
}

/* Every element in @bin and the bins in it (webrtcbins' insides too). */
static guint
count_elements (GstBin * bin)
{
  guint n = 0;
  GstIterator *it = gst_bin_iterate_recurse (bin);
  GValue v = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next (it, &v)) {
      case GST_ITERATOR_OK:
        n++;
        g_value_reset (&v);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        n = 0;
        break;
      default:
        done = true;
        break;
    }
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return n;
}

/* 100 sequential peers with audio and video through sessionbin (its echo:
 * a handler per session, each kind's output stage, each peer's send
 * chains), each until its audio and a picture came back: the elements in
 * the pipeline, the fds and threads of the process are where they were
 * after the first two. */
static void
test_churn_audio_video ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 opus-complexity=0 video-bitrate=200");
  s.play ();
  auto one = [&](int i) {
    avsync::AvClient c ("av-churn-" + std::to_string (i));
    g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
    g_assert_true (test::wait_for ([&] {
          return c.frames () > 0 && c.samples () > 0;
        }, 15000));
    size_t done = s.bus->count_elements ("session-handler-done");
    c.stop ();
    g_assert_true (test::wait_for ([&] {
          return s.bus->count_elements ("session-handler-done") > done;
        }, 15000));
  };
  one (-2);
  one (-1);
  GstBin *pipeline = GST_BIN (s.pipeline);
  g_assert_true (test::wait_for ([&] {
        return s.n_sessions () == 0 && GST_BIN (s.src)->numchildren == 1;
      }));
  test::spin (300);
  const guint elements = count_elements (pipeline);
  const size_t fds = test::count_entries ("/proc/self/fd");
  const size_t threads = test::count_entries ("/proc/self/task");
  const gint64 t0 = g_get_monotonic_time ();
  for (int i = 0; i < 100; i++)
    one (i);
  g_test_message ("100 audio+video sessions in %.1f s",
      (g_get_monotonic_time () - t0) / 1e6);
  bool clean = test::wait_for ([&] {
        return s.n_sessions () == 0 && count_elements (pipeline) <= elements
            && test::count_entries ("/proc/self/fd") <= fds &&
            test::count_entries ("/proc/self/task") <= threads;
      }, 15000);
  g_test_message ("elements %u -> %u, fds %zu -> %zu, threads %zu -> %zu",
      elements, count_elements (pipeline), fds,
      test::count_entries ("/proc/self/fd"), threads,
      test::count_entries ("/proc/self/task"));
  g_assert_true (clean);
  g_assert_cmpuint (s.bus->count_elements ("session-handler-done"), ==, 102);
  for (auto *st : s.bus->elements ("session-handler-done")) {
    assert_str_eq (gst_structure_get_string (st, "result"), "finished");
    gst_structure_free (st);
  }
}

/* session-pads with WebRTC: a pad per peer with its context (transport
 * webrtc) before pad-added, EOS and removal when it leaves. A send-only
 * client gets a recvonly answer and no send chain. */
static void
test_session_pads_and_direction ()
{
  GstElement *pipeline = gst_pipeline_new (nullptr);
  GstElement *src = gst_element_factory_make ("sessionsrc", nullptr);
  g_object_set (src, "port", 0, "address", "127.0.0.1", "ice-addresses",
      "127.0.0.1", "session-pads", TRUE, NULL);
  gst_bin_add (GST_BIN (pipeline), src);
  struct State
  {
    GstElement *pipeline;
    std::mutex lock;
    std::string pad_context;
    GstSessionTransport transport = GST_SESSION_TRANSPORT_WEBSOCKET;
    size_t samples = 0;
    int eos = 0;
    int removed = 0;
  } st;
  st.pipeline = pipeline;
  g_signal_connect (src, "pad-added", G_CALLBACK (+[](GstElement *,
              GstPad * pad, State * st) {
            auto ctx = gst::session::current (pad, nullptr);
            {
              std::lock_guard < std::mutex > l (st->lock);
              st->pad_context = ctx.id ();
              st->transport = ctx.transport ();
            }
            test::link_probed_fakesink (GST_BIN (st->pipeline), pad,
                GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM,
                [](GstPad * p, GstPadProbeInfo * info, gpointer data) {
                  auto *st = static_cast<State *> (data);
                  std::lock_guard < std::mutex > l (st->lock);
                  if (!test::for_each_buffer (info,[&](GstBuffer * b) {
                        g_assert_nonnull (gst_buffer_get_session_meta (b));
                        st->samples += gst_buffer_get_size (b) / 2;
                      }) && GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info))
                      == GST_EVENT_EOS)
                    st->eos++;
                  return GST_PAD_PROBE_OK;
                }, st);
          }), &st);
  g_signal_connect (src, "pad-removed", G_CALLBACK (+[](GstElement *,
              GstPad *, State * st) {
            std::lock_guard < std::mutex > l (st->lock);
            st->removed++;
          }), &st);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  guint port = test::get_port (src);

  ClientPeer c ("pads", 800, "sendonly");
  HttpReply r = c.connect (port);
  std::string answer = json_field (r.body, "sdp");
  /* The client only sends: the answer only receives. */
  g_assert_nonnull (strstr (answer.c_str (), "a=recvonly"));
  g_assert_null (strstr (answer.c_str (), "a=sendrecv"));
  g_assert_true (test::wait_for ([&] {
        std::lock_guard < std::mutex > l (st.lock);
        return st.samples > 48000;
      }));
  {
    std::lock_guard < std::mutex > l (st.lock);
    assert_str_eq (st.pad_context, "pads");
    g_assert_cmpint (st.transport, ==, GST_SESSION_TRANSPORT_WEBRTC);
  }
  /* No send chain: the peer's bin (and its webrtcbin) is there, but no
   * appsrc and no Opus encoder. */
  g_assert_cmpuint (GST_BIN (src)->numchildren, ==, 1);
  g_assert_cmpuint (count_made_by (GST_BIN (src), "webrtcbin"), ==, 1);
  g_assert_cmpuint (count_made_by (GST_BIN (src), "appsrc"), ==, 0);
  g_assert_cmpuint (count_made_by (GST_BIN (src), "opusenc"), ==, 0);
  c.close ();
  g_assert_true (test::wait_for ([&] {
        std::lock_guard < std::mutex > l (st.lock);
        return st.eos == 1 && st.removed == 1;
      }, 15000));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

/* time-limit ends a WebRTC session too, inside its window; pipeline to
 * READY ends the rest with reason shutdown and removes their webrtcbins. */
static void
test_limit_and_shutdown ()
{
  const guint limit_s = 2;
  Server s ("time-limit=" + std::to_string (limit_s));
  ClientPeer a ("limited", 440);
  const gint64 before_offer = g_get_monotonic_time ();
  g_assert_cmpuint (a.connect (s.port ()).status, ==, 200);
  g_assert_true (test::wait_for ([&] {
        return s.bus->ended_reason ("limited") == "time-limit";
      }, (limit_s + 6) * 1000));
  /* Counted from the start (ICE and DTLS done), not from the offer. */
  test::assert_ended_in_window (*s.bus, "limited", s.bus->time_of
      ("session-started", "limited") - 50 * 1000, limit_s, s.bus->time_of
      ("session-started", "limited"));
  g_assert_cmpint (s.bus->time_of ("session-started", "limited"), >,
      before_offer);
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0;
      }));

  g_object_set (s.src, "time-limit", 0, NULL);
  gst_element_set_state (s.pipeline, GST_STATE_READY);
  gst_element_set_state (s.pipeline, GST_STATE_PLAYING);
  ClientPeer b ("live-1", 440), c ("live-2", 660);
  g_assert_cmpuint (b.connect (s.port ()).status, ==, 200);
  g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-started") == 3;
      }));
  gst_element_set_state (s.pipeline, GST_STATE_READY);
  assert_str_eq (s.bus->ended_reason ("live-1"), "shutdown");
  assert_str_eq (s.bus->ended_reason ("live-2"), "shutdown");
  g_assert_cmpuint (s.n_peers (), ==, 0);
  g_assert_cmpuint (s.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
}

/* sessionsrc's drain with a live peer: a new offer gets HTTP 503 failed
 * `draining`; the live peer's media goes on until drain-timeout, then its
 * session ends (reason shutdown) and its webrtcbin goes; the pipeline gets
 * EOS (drained, nobody took the signal). */
static void
test_drain ()
{
  const guint timeout_s = 2;
  Server s ("drain-timeout=" + std::to_string (timeout_s));
  ClientPeer a ("draining", 440);
  g_assert_cmpuint (a.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (1));
  g_assert_true (test::wait_for ([&] {
        return s.capture.samples_of ("draining") > 0;
      }));
  const gint64 drained_at = g_get_monotonic_time ();
  g_signal_emit_by_name (s.src, "drain");
  gboolean draining = FALSE;
  g_object_get (s.src, "draining", &draining, NULL);
  g_assert_true (draining);

  ClientPeer late ("late", 660);
  HttpReply r = post (s.port (), late.offer_body (late.make_offer ()));
  g_assert_cmpuint (r.status, ==, 503);
  assert_str_eq (test::json_field (r.body, "status"), "failed");
  g_assert_true (r.body.find ("\"draining\"") != std::string::npos);

  /* Still live, still sending, half-way to the deadline. */
  const size_t before = s.capture.samples_of ("draining");
  g_usleep (timeout_s * G_USEC_PER_SEC / 2);
  {
    const std::string reason = s.bus->ended_reason ("draining");
    g_assert_cmpstr (reason.c_str (), ==, "");
  }
  g_assert_cmpuint (s.capture.samples_of ("draining"), >, before);

  g_assert_true (test::wait_for ([&] {
        return s.bus->ended_reason ("draining") == "shutdown";
      }, (timeout_s + 6) * 1000));
  test::assert_ended_in_window (*s.bus, "draining", drained_at, timeout_s);
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0 && s.bus->count_type (GST_MESSAGE_EOS) == 1;
      }, 10000));
  g_assert_cmpuint (s.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webrtc/timeouts", test_timeouts);
  g_test_add_func ("/webrtc/churn", test_churn);
  g_test_add_func ("/webrtc/churn-audio-video", test_churn_audio_video);
  g_test_add_func ("/webrtc/session-pads", test_session_pads_and_direction);
  g_test_add_func ("/webrtc/limit-and-shutdown", test_limit_and_shutdown);
  g_test_add_func ("/webrtc/drain", test_drain);
  return g_test_run ();
}
