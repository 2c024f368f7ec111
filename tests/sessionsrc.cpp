/* sessionsrc with real libsoup WebSocket clients on loopback.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common.h"

#include <atomic>

using test::Tone;
using test::WsClient;

namespace {

/* "sessionsrc ! fakesink" with a capture probe (not yet playing). */
struct Pipeline : test::LivePipeline
{
  explicit Pipeline (const std::string & src_props = "",
      bool with_sink = true)
      : LivePipeline ("sessionsrc name=src port=0 address=127.0.0.1 " +
      src_props + (with_sink ? " ! fakesink name=cap sync=false async=false" :
          ""))
  {
  }
};

std::vector<int16_t>
decode (const std::string & mulaw)
{
  std::vector<int16_t> out (mulaw.size ());
  sessionctx::mulaw_decode_block ((const uint8_t *) mulaw.data (),
      mulaw.size (), out.data ());
  return out;
}

/* Frequency check for every buffer of a session (20 ms and longer). */
void
assert_buffers_have_tone (test::Capture::Session & s, double freq, int rate)
{
  g_assert_cmpuint (s.buffers.size (), >, 0);
  for (auto &[offset, len] : s.buffers) {
    if (len < (size_t) rate / 100)
      continue;                 /* too short to measure (resampler tail) */
    double f = test::estimate_frequency (s.samples.data () + offset, len,
        rate);
    if (std::fabs (f - freq) > freq * 0.1 + 30)
      g_error ("buffer at %zu (%zu samples): %.0f Hz, expected %.0f", offset,
          len, f, freq);
  }
}

}  // namespace

/* Three concurrent FastRTC sessions with distinct tones: every output
 * buffer carries the context of the client whose audio it holds, nothing is
 * lost, events and bus messages bracket each session. */
static void
test_three_sessions ()
{
  Pipeline p;
  p.play ();
  const double freqs[3] = { 300, 1100, 2900 };
  const int frames = 50, frame = 960;   /* 20 ms at 48 kHz */
  WsClient clients[3];
  std::vector<Tone> tones;
  std::string sent[3];
  const gint64 before_start = g_get_monotonic_time ();
  for (int i = 0; i < 3; i++) {
    tones.emplace_back (freqs[i], 48000);
    g_assert_true (clients[i].connect (p.port (), "/websocket/offer"));
    clients[i].send (test::fastrtc_start ("client-" + std::to_string (i)));
  }
  for (int f = 0; f < frames; f++) {
    for (int i = 0; i < 3; i++) {
      std::string mu = tones[i].next_mulaw (frame);
      sent[i] += mu;
      clients[i].send (test::fastrtc_media (mu));
    }
    test::spin (6);             /* sessions of 300 ms at least */
  }
  for (auto & c : clients)
    c.send ("{\"event\":\"stop\"}");
  g_assert_true (p.wait_ended (3));
  for (auto & c : clients) {
    g_assert_true (c.wait_closed ());
    g_assert_cmpuint (c.close_code, ==, 1000);
  }
  /* Wait for every session's in-band end marker. */
  g_assert_true (test::wait_for ([&] {
        std::lock_guard < std::mutex > l (p.capture.lock);
        for (int i = 0; i < 3; i++)
          if (p.capture.sessions["client-" + std::to_string (i)].end_events != 1)
            return false;
        return true;
      }));

  std::lock_guard < std::mutex > l (p.capture.lock);
  g_assert_cmpuint (p.capture.buffers_without_context, ==, 0);
  for (int i = 0; i < 3; i++) {
    auto & s = p.capture.sessions["client-" + std::to_string (i)];
    /* Nothing lost, nothing mixed: exactly what this client sent. */
    auto expected = decode (sent[i]);
    g_assert_cmpuint (s.samples.size (), ==, frames * frame);
    g_assert_true (s.samples == expected);
    assert_buffers_have_tone (s, freqs[i], 48000);
    g_assert_cmpint (s.start_events, ==, 1);
    g_assert_cmpint (s.end_events, ==, 1);
    g_assert_false (s.buffer_before_start);
    g_assert_false (s.buffer_after_end);
  }
  g_assert_cmpuint (p.bus->count_elements ("session-started"), ==, 3);
  for (auto *s : p.bus->elements ("session-ended")) {
    guint64 fr = 0, bytes = 0, duration = 0;
    gst_structure_get_uint64 (s, "frames", &fr);
    gst_structure_get_uint64 (s, "bytes", &bytes);
    gst_structure_get_uint64 (s, "duration", &duration);
    g_assert_cmpstr (gst_structure_get_string (s, "reason-name"), ==, "stop");
    g_assert_cmpstr (gst_structure_get_string (s, "transport"), ==,
        "websocket");
    g_assert_cmpstr (gst_structure_get_string (s, "dialect"), ==, "fastrtc");
    g_assert_cmpuint (fr, ==, frames);
    g_assert_cmpuint (bytes, ==, frames * frame);
    /* From start to stop, in nanoseconds: no longer than from before the
     * start to the message, no shorter than between the two messages (but
     * for a delay in posting the second). */
    const std::string id = gst_structure_get_string (s, "session-id");
    const gint64 started = p.bus->time_of ("session-started", id);
    const gint64 ended = p.bus->time_of ("session-ended", id);
    g_test_message ("%s: duration %" G_GUINT64_FORMAT " ms, messages %"
        G_GINT64_FORMAT " ms apart", id.c_str (), duration / GST_MSECOND,
        (ended - started) / 1000);
    g_assert_cmpuint (duration, <=, (guint64) (ended - before_start) *
        GST_USECOND);
    g_assert_cmpuint (duration + 100 * GST_MSECOND, >=, (guint64) (ended -
            started) * GST_USECOND);
    gst_structure_free (s);
  }
  g_assert_cmpuint (p.bus->warnings ().size (), ==, 0);
}

/* Twilio sessions: metadata from start and URL, 8 kHz resampled to 48 kHz
 * with exactly 6× the samples, DTMF downstream, marks and application
 * messages to the application. */
static void
test_twilio ()
{
  Pipeline p;
  std::vector<std::string> marks, app_messages;
  std::mutex lock;
  g_signal_connect (p.src, "session-mark", G_CALLBACK (+[](GstElement *,
              GstSessionContext * ctx, const gchar * name, gpointer data) {
            static_cast<std::vector<std::string> *> (data)->push_back
                (std::string (gst_session_context_get_id (ctx)) + ":" + name);
          }), &marks);
  g_signal_connect (p.src, "session-message", G_CALLBACK (+[](GstElement *,
              GstSessionContext * ctx, const gchar * json, gpointer data) {
            static_cast<std::vector<std::string> *> (data)->push_back
                (std::string (gst_session_context_get_id (ctx)) + ":" + json);
          }), &app_messages);
  p.play ();

  const double freqs[2] = { 400, 1500 };
  const int frames = 50;
  WsClient c[2];
  std::vector<Tone> tones;
  for (int i = 0; i < 2; i++) {
    tones.emplace_back (freqs[i], 8000);
    g_assert_true (c[i].connect (p.port (),
            "/telephone/handler?tenant=acme&n=" + std::to_string (i)));
    c[i].send ("{\"event\":\"connected\",\"protocol\":\"Call\","
        "\"version\":\"1.0.0\"}");
    c[i].send (test::twilio_start ("MZ" + std::to_string (i)));
  }
  for (int f = 0; f < frames; f++) {
    for (int i = 0; i < 2; i++)
      c[i].send (test::twilio_media ("MZ" + std::to_string (i), f + 2,
              tones[i].next_mulaw (160)));
    test::spin (2);
  }
  c[0].send ("{\"event\":\"dtmf\",\"streamSid\":\"MZ0\",\"sequenceNumber\":"
      "\"60\",\"dtmf\":{\"track\":\"inbound_track\",\"digit\":\"5\"}}");
  c[1].send ("{\"event\":\"mark\",\"sequenceNumber\":\"61\",\"streamSid\":"
      "\"MZ1\",\"mark\":{\"name\":\"greeting-done\"}}");
  c[1].send ("{\"event\":\"vendor-thing\",\"x\":[1,2]}");
  for (int i = 0; i < 2; i++)
    c[i].send ("{\"event\":\"stop\",\"sequenceNumber\":\"70\",\"streamSid\":"
        "\"MZ" + std::to_string (i) + "\",\"stop\":{\"accountSid\":\"AC123\","
        "\"callSid\":\"CA456\"}}");
  g_assert_true (p.wait_ended (2));
  g_assert_true (test::wait_for ([&] {
        std::lock_guard < std::mutex > l (p.capture.lock);
        return p.capture.sessions["MZ0"].end_events == 1 &&
            p.capture.sessions["MZ1"].end_events == 1;
      }));

  {
    std::lock_guard < std::mutex > l (p.capture.lock);
    for (int i = 0; i < 2; i++) {
      auto & s = p.capture.sessions["MZ" + std::to_string (i)];
      /* 8000 → 48000: exactly six output samples per input sample. */
      g_assert_cmpuint (s.samples.size (), ==, frames * 160 * 6);
      assert_buffers_have_tone (s, freqs[i], 48000);
    }
    g_assert_cmpuint (p.capture.sessions["MZ0"].dtmf.size (), ==, 1);
    g_assert_cmpstr (p.capture.sessions["MZ0"].dtmf[0].c_str (), ==, "5");
    g_assert_cmpuint (p.capture.sessions["MZ1"].dtmf.size (), ==, 0);
  }
  g_assert_cmpuint (marks.size (), ==, 1);
  g_assert_cmpstr (marks[0].c_str (), ==, "MZ1:greeting-done");
  g_assert_cmpuint (p.bus->count_elements ("session-mark"), ==, 1);
  g_assert_cmpuint (app_messages.size (), ==, 1);
  g_assert_cmpstr (app_messages[0].c_str (), ==,
      "MZ1:{\"event\":\"vendor-thing\",\"x\":[1,2]}");
  auto msgs = p.bus->elements ("session-message");
  g_assert_cmpuint (msgs.size (), ==, 1);
  g_assert_cmpstr (gst_structure_get_string (msgs[0], "session-id"), ==,
      "MZ1");
  gst_structure_free (msgs[0]);

  /* The context carries what the client said and where it came from. */
  auto started = p.bus->elements ("session-started");
  g_assert_cmpuint (started.size (), ==, 2);
  for (auto *s : started) {
    GstSessionContext *ctx = nullptr;
    gst_structure_get (s, "context", GST_TYPE_SESSION_CONTEXT, &ctx, NULL);
    std::string id = gst_session_context_get_id (ctx);
    g_assert_cmpint (gst_session_context_get_dialect (ctx), ==,
        GST_SESSION_DIALECT_TWILIO);
    g_assert_true (g_str_has_prefix (gst_session_context_get_remote_address
            (ctx), "127.0.0.1:"));
    const GstStructure *md = gst_session_context_get_metadata (ctx);
    g_assert_cmpstr (gst_structure_get_string (md, "callSid"), ==, "CA456");
    g_assert_cmpstr (gst_structure_get_string (md, "accountSid"), ==, "AC123");
    g_assert_cmpstr (gst_structure_get_string (md, "path"), ==,
        "/telephone/handler");
    const GstStructure *custom = gst_value_get_structure
        (gst_structure_get_value (md, "customParameters"));
    g_assert_cmpstr (gst_structure_get_string (custom, "caller"), ==,
        "+15550001");
    const GstStructure *query = gst_value_get_structure
        (gst_structure_get_value (md, "query"));
    g_assert_cmpstr (gst_structure_get_string (query, "tenant"), ==, "acme");
    g_assert_cmpstr (gst_structure_get_string (query, "n"), ==,
        id == "MZ0" ? "0" : "1");
    g_assert_nonnull (gst_structure_get_value (md, "tracks"));
    g_assert_nonnull (gst_structure_get_value (md, "mediaFormat"));
    g_object_unref (ctx);
    gst_structure_free (s);
  }
  g_assert_cmpuint (p.bus->warnings ().size (), ==, 0);
}

/* session-pads=true: one pad per session, context known at pad-added, EOS
 * and removal at the end. */
struct PadsTest
{
  GstElement *pipeline;
  std::mutex lock;
  std::vector<std::string> added_ids;
  int removed = 0;
  std::map<std::string, size_t> samples;
  std::map<std::string, int> eos;
  std::map<std::string, std::string> sticky_ids;
};

static void
test_session_pads ()
{
  Pipeline p ("session-pads=true", false);
  PadsTest t;
  t.pipeline = p.pipeline;
  g_signal_connect (p.src, "pad-added", G_CALLBACK (+[](GstElement *,
              GstPad * pad, PadsTest * t) {
            auto ctx = gst::session::current (pad, nullptr);
            g_assert_true (bool (ctx));
            std::string id = ctx.id ();
            {
              std::lock_guard < std::mutex > l (t->lock);
              t->added_ids.push_back (id);
            }
            GstPadLinkReturn linked = test::link_probed_fakesink
                (GST_BIN (t->pipeline), pad,
                GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM,
                [](GstPad * pad, GstPadProbeInfo * info, gpointer data) {
                  auto *t = static_cast<PadsTest *> (data);
                  auto ctx = gst::session::current (pad, nullptr);
                  std::lock_guard < std::mutex > l (t->lock);
                  if (!test::for_each_buffer (info,[&](GstBuffer * b) {
                        /* Buffers carry the meta too. */
                        auto from_buffer = gst::session::current (nullptr,
                            b);
                        g_assert_true (from_buffer.get () == ctx.get ());
                        t->samples[ctx.id ()] += gst_buffer_get_size (b) / 2;
                        t->sticky_ids[ctx.id ()] = ctx.id ();
                      }) && GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info))
                      == GST_EVENT_EOS)
                    t->eos[ctx.id ()]++;
                  return GST_PAD_PROBE_OK;
                }, t);
            g_assert_cmpint (linked, ==, GST_PAD_LINK_OK);
          }), &t);
  g_signal_connect (p.src, "pad-removed", G_CALLBACK (+[](GstElement *,
              GstPad *, PadsTest * t) {
            std::lock_guard < std::mutex > l (t->lock);
            t->removed++;
          }), &t);
  p.play ();

  WsClient c[2];
  Tone tone (500, 48000);
  for (int i = 0; i < 2; i++) {
    g_assert_true (c[i].connect (p.port (), "/websocket/offer"));
    c[i].send (test::fastrtc_start ("pad-" + std::to_string (i)));
  }
  for (int f = 0; f < 20; f++)
    for (int i = 0; i < 2; i++)
      c[i].send (test::fastrtc_media (tone.next_mulaw (960)));
  for (auto & cl : c)
    cl.send ("{\"event\":\"stop\"}");
  g_assert_true (p.wait_ended (2));
  g_assert_true (test::wait_for ([&] {
        std::lock_guard < std::mutex > l (t.lock);
        return t.removed == 2;
      }));
  std::lock_guard < std::mutex > l (t.lock);
  g_assert_cmpuint (t.added_ids.size (), ==, 2);
  for (int i = 0; i < 2; i++) {
    std::string id = "pad-" + std::to_string (i);
    g_assert_cmpuint (t.samples[id], ==, 20 * 960);
    g_assert_cmpint (t.eos[id], ==, 1);
  }
  /* Only the always "src" pad is left. */
  g_assert_cmpint (p.src->numsrcpads, ==, 1);
}

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

/* The binary media extension, receiving side: binary_media answers with
 * the encoding and rates; binary frames then carry raw S16LE or µ-law,
 * decoded exactly; JSON media still works; every misuse is answered. */
static void
test_binary_media ()
{
  Pipeline p ("rate=48000");    /* = websocket-input-rate: no resampling */
  p.play ();
  WsClient c;
  g_assert_true (c.connect (p.port (), "/websocket/offer"));
  const std::string failed = "{\"status\":\"failed\",\"meta\":{\"error\":\"";
  size_t n = 0;
  auto expect = [&](const std::string & reply) {
    g_assert_true (c.wait_for_count (++n));
    assert_str_eq (c.messages.back (), reply);
    g_assert_false (c.binary.back ());
  };

  c.send ("{\"event\":\"binary_media\",\"encoding\":\"s16le\"}");
  expect (failed + "not_started\"}}");
  c.send (test::fastrtc_start ("bin"));
  c.send_binary (std::string ("\x01\x02", 2));
  expect (failed + "binary_not_supported\"}}");
  g_assert_true (p.bus->has_warning ("bin|binary_not_supported"));
  c.send ("{\"event\":\"binary_media\",\"encoding\":\"opus\"}");
  expect (failed + "unsupported_media_format\"}}");
  c.send ("{\"event\":\"binary_media\",\"encoding\":7}");
  expect (failed + "invalid_message\"}}");
  c.send_binary (std::string ("\x01\x02", 2));
  expect (failed + "binary_not_supported\"}}");   /* still off */

  c.send ("{\"event\":\"binary_media\",\"encoding\":\"s16le\"}");
  expect ("{\"event\":\"binary_media\",\"encoding\":\"s16le\","
      "\"input_rate\":48000,\"output_rate\":24000}");
  std::vector<int16_t> sent;
  std::string frame;
  for (int i = 0; i < 960; i++) {
    int16_t v = (int16_t) (i * 67 - 32000);
    sent.push_back (v);
    frame += (char) (v & 0xFF);
    frame += (char) ((uint16_t) v >> 8);
  }
  c.send_binary (frame);
  c.send_binary ("");
  expect (failed + "empty_payload\"}}");
  c.send_binary (std::string ("\x01\x02\x03", 3));
  expect (failed + "invalid_payload_length\"}}");
  g_assert_true (p.bus->has_warning ("bin|invalid_payload_length"));

  /* Back to µ-law (the default encoding), binary and JSON. */
  c.send ("{\"event\":\"binary_media\"}");
  expect ("{\"event\":\"binary_media\",\"encoding\":\"mulaw\","
      "\"input_rate\":48000,\"output_rate\":24000}");
  Tone tone (700, 48000);
  std::string mu = tone.next_mulaw (480), mu2 = tone.next_mulaw (320);
  c.send_binary (mu);
  c.send (test::fastrtc_media (mu2));
  for (auto v : decode (mu + mu2))
    sent.push_back (v);
  g_assert_true (test::wait_for ([&] {
        return p.capture.samples_of ("bin") == sent.size ();
      }));
  g_assert_true (p.capture.samples_copy ("bin") == sent);
  g_assert_false (c.closed);
}

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


/* What one I/O wakeup reads reaches sessionsink as one buffer list: many
 * sessions on two I/O threads, each sending bursts of frames in single
 * writes, get back exactly what they sent, in order, and every buffer
 * pushed (alone or in a list) reached the sink. */
static void
test_batched_echo ()
{
  test::LivePipeline p ("sessionsrc name=src port=0 address=127.0.0.1 "
      "io-threads=2 rate=16000 websocket-input-rate=16000 "
      "websocket-output-rate=16000 ! sessionsink name=sink");
  struct Seen
  {
    std::atomic<size_t> buffers { 0 }, lists { 0 }, listed { 0 };
  } seen;
  GstPad *pad = gst_element_get_static_pad (p.sink, "sink");
  gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_BUFFER_LIST),[](GstPad *, GstPadProbeInfo * info,
          gpointer data) {
        auto *seen = static_cast<Seen *> (data);
        if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
          seen->lists++;
          seen->listed += gst_buffer_list_length
              (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
        } else {
          seen->buffers++;
        }
        return GST_PAD_PROBE_OK;
      }, &seen, nullptr);
  gst_object_unref (pad);
  p.play ();

  const int n = 40, bursts = 5, frames_per_burst = 10, samples = 320;
  std::vector<std::unique_ptr<test::RawWsClient>> clients;
  std::vector<std::string> sent (n);
  for (int i = 0; i < n; i++) {
    clients.push_back (std::make_unique<test::RawWsClient> ());
    g_assert_true (clients[i]->connect (p.port (), "/websocket/offer"));
    clients[i]->send (test::fastrtc_start ("batch-" + std::to_string (i)));
    clients[i]->send ("{\"event\":\"binary_media\",\"encoding\":\"s16le\"}");
    g_assert_nonnull (strstr (clients[i]->read_text ().c_str (),
            "\"binary_media\""));
  }
  /* A distinct ramp per session: any frame lost, repeated, reordered or
   * given to another session shows. */
  for (int b = 0; b < bursts; b++) {
    for (int i = 0; i < n; i++) {
      std::string burst;
      for (int f = 0; f < frames_per_burst; f++) {
        std::string frame;
        for (int k = 0; k < samples; k++) {
          int v = (i * 997 + (b * frames_per_burst + f) * samples + k) % 30000;
          frame += (char) (v & 0xFF);
          frame += (char) (v >> 8);
        }
        sent[i] += frame;
        burst += test::client_frame (0x82, frame, true);
      }
      clients[i]->send_bytes (burst);
    }
    test::spin (20);
  }
  for (int i = 0; i < n; i++) {
    std::string got;
    while (got.size () < sent[i].size ()) {
      auto [op, payload] = clients[i]->read_frame (5000);
      if (op == 1)
        continue;               /* any text reply */
      g_assert_cmpint (op, ==, 2);
      got += payload;
    }
    g_assert_true (got == sent[i]);
  }
  const size_t total = (size_t) n * bursts * frames_per_burst;
  g_assert_cmpuint (seen.buffers.load () + seen.listed.load (), ==, total);
  /* Bursts of ten frames in one write are read in one wakeup: at least one
   * of the 200 went down as a list. */
  g_assert_cmpuint (seen.lists.load (), >, 0);
  for (auto & c : clients)
    c->send ("{\"event\":\"stop\"}");
  g_assert_true (p.wait_ended (n));
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
  g_test_add_func ("/sessionsrc/three-sessions", test_three_sessions);
  g_test_add_func ("/sessionsrc/twilio", test_twilio);
  g_test_add_func ("/sessionsrc/session-pads", test_session_pads);
  g_test_add_func ("/sessionsrc/disconnect", test_disconnect);
  g_test_add_func ("/sessionsrc/shutdown-restart", test_shutdown_restart);
  g_test_add_func ("/sessionsrc/limits", test_limits);
  g_test_add_func ("/sessionsrc/timeouts", test_timeouts);
  g_test_add_func ("/sessionsrc/bad-input", test_bad_input);
  g_test_add_func ("/sessionsrc/binary-media", test_binary_media);
  g_test_add_func ("/sessionsrc/port", test_port);
  g_test_add_func ("/sessionsrc/churn", test_churn);
  g_test_add_func ("/sessionsrc/websocket-protocol",
      test_websocket_protocol);
  g_test_add_func ("/sessionsrc/io-threads", test_io_threads);
  g_test_add_func ("/sessionsrc/batched-echo", test_batched_echo);
  return g_test_run ();
}
