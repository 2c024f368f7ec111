/* End to end: sessionsrc ! sessioninfo ! sessionsink with real clients.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common.h"

#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>

#include <atomic>

using test::Tone;
using test::WsClient;

namespace {

struct Echo : test::LivePipeline
{
  explicit Echo (const std::string & info_props = "")
      : LivePipeline ("sessionsrc name=src port=0 address=127.0.0.1 ! "
      "sessioninfo name=info " + info_props + " ! sessionsink name=sink")
  {
    play ();
  }
};

/* Decoded audio of every media message a client received. */
struct Received
{
  std::vector<int16_t> pcm;
  std::vector<size_t> frame_bytes;
  std::vector<std::string> stream_sids;
};

Received
collect_media (const WsClient & c)
{
  Received r;
  for (auto & m : c.messages) {
    JsonParser *p = json_parser_new ();
    g_assert_true (json_parser_load_from_data (p, m.c_str (), -1, nullptr));
    JsonObject *o = json_node_get_object (json_parser_get_root (p));
    if (g_strcmp0 (json_object_get_string_member_with_default (o, "event",
                ""), "media") == 0) {
      const char *payload = json_object_get_string_member
          (json_object_get_object_member (o, "media"), "payload");
      std::vector<uint8_t> mu (sessionctx::base64_decoded_max (strlen
              (payload)));
      long n = sessionctx::base64_decode (payload, strlen (payload),
          mu.data ());
      g_assert_cmpint (n, >, 0);
      r.frame_bytes.push_back (n);
      for (long i = 0; i < n; i++)
        r.pcm.push_back (sessionctx::mulaw_decode (mu[i]));
      r.stream_sids.push_back (json_object_get_string_member_with_default (o,
              "streamSid", ""));
    }
    g_object_unref (p);
  }
  return r;
}

}  // namespace

/* FastRTC and Twilio clients at once: each hears its own tone back, in its
 * dialect, at its rate, in 20 ms frames. */
static void
test_both_dialects ()
{
  Echo e;
  struct Client
  {
    bool twilio;
    std::string id;
    double freq;
  } spec[] = {
    {false, "web-a", 440}, {false, "web-b", 1200},
    {true, "MZphone1", 300}, {true, "MZphone2", 900},
  };
  WsClient c[4];
  std::vector<Tone> tones;
  for (int i = 0; i < 4; i++) {
    tones.emplace_back (spec[i].freq, spec[i].twilio ? 8000 : 48000);
    g_assert_true (c[i].connect (e.port (), spec[i].twilio ?
            "/telephone/handler" : "/websocket/offer"));
    c[i].send (spec[i].twilio ? test::twilio_start (spec[i].id) :
        test::fastrtc_start (spec[i].id));
  }
  const int frames = 50;        /* 1 s */
  for (int f = 0; f < frames; f++) {
    for (int i = 0; i < 4; i++)
      c[i].send (spec[i].twilio ? test::twilio_media (spec[i].id, f + 2,
              tones[i].next_mulaw (160)) :
          test::fastrtc_media (tones[i].next_mulaw (960)));
    test::spin (20);
  }
  /* 1 s at the output rate, minus at most a frame and the filter delay. */
  auto enough = [&](int i) {
    size_t rate = spec[i].twilio ? 8000 : 24000;
    return collect_media (c[i]).pcm.size () >= rate - rate / 25;
  };
  g_assert_true (test::wait_for ([&] {
        return enough (0) && enough (1) && enough (2) && enough (3);
      }));

  for (int i = 0; i < 4; i++) {
    Received r = collect_media (c[i]);
    int rate = spec[i].twilio ? 8000 : 24000;
    /* 20 ms frames; with 20 ms input only the first is shorter (the
     * resamplers' delay), since nothing is held back. */
    g_assert_cmpuint (r.frame_bytes.size (), >, 10);
    for (size_t k = 0; k < r.frame_bytes.size (); k++) {
      g_assert_cmpuint (r.frame_bytes[k], <=, (size_t) rate / 50);
      if (k > 0 && k + 1 < r.frame_bytes.size ())
        g_assert_cmpuint (r.frame_bytes[k], ==, (size_t) rate / 50);
    }
    for (auto & sid : r.stream_sids)
      g_assert_cmpstr (sid.c_str (), ==, spec[i].twilio ? spec[i].id.c_str ()
          : "");
    /* Skip the first frame (filter start-up), then it is our own tone. */
    size_t skip = rate / 50;
    double f = test::estimate_frequency (r.pcm.data () + skip,
        r.pcm.size () - skip, rate);
    g_test_message ("%s: %zu samples back, %.0f Hz (sent %.0f Hz)",
        spec[i].id.c_str (), r.pcm.size (), f, spec[i].freq);
    g_assert_cmpfloat (std::fabs (f - spec[i].freq), <, spec[i].freq * 0.05);
    /* Never more than what was sent. */
    g_assert_cmpuint (r.pcm.size (), <=, (size_t) rate);
  }
  for (auto & cl : c)
    cl.send ("{\"event\":\"stop\"}");
  g_assert_true (test::wait_for ([&] {
        return e.bus->count_elements ("session-ended") == 4;
      }));
  g_assert_cmpuint (e.bus->warnings ().size (), ==, 0);
  g_assert_cmpuint (e.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
  /* sessioninfo posted a summary per session on its session-end event. */
  g_assert_true (test::wait_for ([&] {
        return e.bus->count_elements ("sessioninfo-summary") == 4;
      }));
}

/* The binary media extension, both ways: once a client chose binary_media,
 * its audio comes back in binary frames, byte for byte where nothing is
 * resampled, and no JSON media follows the answer; a JSON client next to it
 * still gets JSON; Twilio marks stay JSON text. */
static void
test_binary_media ()
{
  test::LivePipeline e ("sessionsrc name=src port=0 address=127.0.0.1 "
      "rate=48000 websocket-output-rate=48000 ! sessionsink name=sink");
  e.play ();
  WsClient raw, mu, json, phone;
  for (auto * c : {&raw, &mu, &json})
    g_assert_true (c->connect (e.port (), "/websocket/offer"));
  g_assert_true (phone.connect (e.port (), "/telephone/handler"));
  raw.send (test::fastrtc_start ("raw"));
  mu.send (test::fastrtc_start ("mu"));
  json.send (test::fastrtc_start ("json"));
  phone.send (test::twilio_start ("MZbin"));
  raw.send ("{\"event\":\"binary_media\",\"encoding\":\"s16le\"}");
  mu.send ("{\"event\":\"binary_media\",\"encoding\":\"mulaw\"}");
  phone.send ("{\"event\":\"binary_media\"}");
  g_assert_true (raw.wait_message ("\"event\":\"binary_media\""));
  g_assert_true (mu.wait_message ("\"event\":\"binary_media\""));
  g_assert_true (phone.wait_message ("\"event\":\"binary_media\""));
  assert_str_eq (phone.messages.back (), "{\"event\":\"binary_media\","
      "\"encoding\":\"mulaw\",\"input_rate\":8000,\"output_rate\":8000}");

  Tone t_raw (500, 48000), t_mu (900, 48000), t_json (1300, 48000),
      t_phone (400, 8000);
  std::string raw_sent, mu_sent;
  const int frames = 50;        /* 1 s */
  for (int f = 0; f < frames; f++) {
    std::string pcm;
    for (int16_t v : t_raw.next (960)) {
      pcm += (char) (v & 0xFF);
      pcm += (char) ((uint16_t) v >> 8);
    }
    raw_sent += pcm;
    raw.send_binary (pcm);
    std::string m = t_mu.next_mulaw (960);
    mu_sent += m;
    mu.send_binary (m);
    json.send (test::fastrtc_media (t_json.next_mulaw (960)));
    phone.send_binary (t_phone.next_mulaw (160));
    test::spin (20);
  }
  /* Binary media after the answer, JSON text before it only. */
  auto binary_after_answer = [](const WsClient & c) {
    std::string got;
    int answer = c.find ("\"event\":\"binary_media\"");
    g_assert_cmpint (answer, >=, 0);
    for (size_t i = 0; i < c.messages.size (); i++) {
      if (c.binary[i]) {
        g_assert_cmpint ((int) i, >, answer);
        got += c.messages[i];
      } else if ((int) i > answer) {
        g_assert_cmpint (c.messages[i].find ("\"media\""), ==,
            std::string::npos);
      }
    }
    return got;
  };
  g_assert_true (test::wait_for ([&] {
        return binary_after_answer (raw).size () == raw_sent.size () &&
            binary_after_answer (mu).size () == mu_sent.size ();
      }));
  /* 48 kHz in and out: every byte back, in order. */
  g_assert_true (binary_after_answer (raw) == raw_sent);
  /* µ-law: equal up to the two codes of zero (0x7F decodes to 0, which
   * encodes as 0xFF). */
  auto zero_as_ff = [](std::string m) {
    for (auto & b : m)
      if ((unsigned char) b == 0x7F)
        b = (char) 0xFF;
    return m;
  };
  g_assert_true (zero_as_ff (binary_after_answer (mu)) == zero_as_ff (mu_sent));
  for (size_t i = 0; i < raw.messages.size (); i++)
    if (raw.binary[i])
      g_assert_cmpuint (raw.messages[i].size (), <=, 960 * 2);

  /* The JSON client next to them: JSON media, its own tone. */
  g_assert_true (test::wait_for ([&] {
        return collect_media (json).pcm.size () >= 48000 - 960;
      }));
  for (bool b : json.binary)
    g_assert_false (b);
  Received r = collect_media (json);
  double f = test::estimate_frequency (r.pcm.data () + 960,
      r.pcm.size () - 960, 48000);
  g_assert_cmpfloat (std::fabs (f - 1300), <, 1300 * 0.05);

  /* Twilio: binary µ-law at 8 kHz (resampled through 48 kHz), marks as
   * JSON text. */
  gboolean ok = FALSE;
  g_signal_emit_by_name (e.sink, "mark", "MZbin", "after-audio", &ok);
  g_assert_true (ok);
  g_assert_true (phone.wait_message ("\"mark\""));
  g_assert_false (phone.binary[phone.find ("\"mark\"")]);
  std::string phone_mu = binary_after_answer (phone);
  g_assert_cmpuint (phone_mu.size (), >=, 8000 - 8000 / 25);
  g_assert_cmpuint (phone_mu.size (), <=, 8000);
  std::vector<int16_t> pcm;
  for (unsigned char b : phone_mu)
    pcm.push_back (sessionctx::mulaw_decode (b));
  f = test::estimate_frequency (pcm.data () + 160, pcm.size () - 160, 8000);
  g_assert_cmpfloat (std::fabs (f - 400), <, 400 * 0.05);
  g_assert_cmpuint (e.bus->warnings ().size (), ==, 0);
}

/* sync=true (the default) paces audio made faster than real time, as a
 * TTS branch makes it: one second of audio produced at once reaches the
 * client over about a second (not less, not much more); with sync=false it
 * comes at once. */
static void
test_paced ()
{
  test::LivePipeline server ("sessionsrc name=src port=0 address=127.0.0.1 "
      "! fakesink sync=false async=false");
  server.play ();
  WsClient c;
  g_assert_true (c.connect (server.port (), "/websocket/offer"));
  c.send (test::fastrtc_start ("tts"));
  g_assert_true (test::wait_for ([&] {
        return server.bus->count_elements ("session-started") == 1;
      }));
  GstSessionContext *ctx = nullptr;
  auto started = server.bus->elements ("session-started");
  gst_structure_get (started[0], "context", GST_TYPE_SESSION_CONTEXT, &ctx,
      NULL);
  for (auto *st : started)
    gst_structure_free (st);
  g_assert_nonnull (ctx);

  for (bool sync : {true, false}) {
    size_t before = c.messages.size ();
    /* 50 buffers of 20 ms at the session's output rate, made at once. */
    GstElement *tts = gst_parse_launch ((std::string ("audiotestsrc "
                "num-buffers=50 samplesperbuffer=480 freq=500 ! "
                "audio/x-raw,format=S16LE,rate=24000,channels=1 ! "
                "identity name=tag ! sessionsink sync=") + (sync ? "true" :
                "false")).c_str (), nullptr);
    g_assert_nonnull (tts);
    GstElement *tag = gst_bin_get_by_name (GST_BIN (tts), "tag");
    GstPad *pad = gst_element_get_static_pad (tag, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *,
            GstPadProbeInfo * info, gpointer data) {
          GstBuffer *buf = gst_buffer_make_writable
              (GST_PAD_PROBE_INFO_BUFFER (info));
          gst_buffer_add_session_meta (buf,
              static_cast<GstSessionContext *> (data));
          GST_PAD_PROBE_INFO_DATA (info) = buf;
          return GST_PAD_PROBE_OK;
        }, ctx, nullptr);
    gst_object_unref (pad);
    gst_object_unref (tag);
    g_assert_cmpint (gst_element_set_state (tts, GST_STATE_PLAYING), !=,
        GST_STATE_CHANGE_FAILURE);
    g_assert_true (c.wait_for_count (before + 50, 5000));
    gst_element_set_state (tts, GST_STATE_NULL);
    gst_object_unref (tts);
    double span_ms = (c.times_us[before + 49] - c.times_us[before]) / 1000.0;
    g_test_message ("sync=%d: 50 frames (1 s of audio) arrived over %.0f ms",
        sync, span_ms);
    /* 49 frame times (980 ms) apart; a late frame or two on a loaded
     * machine, but half-speed pacing (1960 ms) is out. */
    if (sync) {
      g_assert_cmpfloat (span_ms, >=, 900);
      g_assert_cmpfloat (span_ms, <=, 1400);
    } else {
      g_assert_cmpfloat (span_ms, <, 500);
    }
  }
  g_object_unref (ctx);
}

/* send-message, mark and clear reach the right client; mark round trip. */
static void
test_actions ()
{
  Echo e;
  std::vector<std::string> marks;
  g_signal_connect (e.src, "session-mark", G_CALLBACK (+[](GstElement *,
              GstSessionContext * ctx, const gchar * name, gpointer data) {
            static_cast<std::vector<std::string> *> (data)->push_back (name);
          }), &marks);
  WsClient web, phone;
  g_assert_true (web.connect (e.port (), "/websocket/offer"));
  g_assert_true (phone.connect (e.port (), "/telephone/handler"));
  web.send (test::fastrtc_start ("web"));
  phone.send (test::twilio_start ("MZp"));
  g_assert_true (test::wait_for ([&] {
        return e.bus->count_elements ("session-started") == 2;
      }));

  gboolean ok = FALSE;
  const char *json = "{\"type\":\"log\",\"data\":\"hello\"}";
  g_signal_emit_by_name (e.sink, "send-message", "web", json, &ok);
  g_assert_true (ok);
  g_assert_true (web.wait_message ("\"data\":\"hello\""));
  g_assert_cmpint (phone.find ("hello"), ==, -1);
  assert_str_eq (web.messages[web.find ("hello")], json);

  g_signal_emit_by_name (e.sink, "send-message", "web", "{not json", &ok);
  g_assert_false (ok);
  g_signal_emit_by_name (e.sink, "send-message", "nobody", "{}", &ok);
  g_assert_false (ok);
  /* No id at all: refused (and logged as "(null)"), no crash. The
   * warning's arguments are only evaluated when it is printed. */
  gst_debug_set_threshold_for_name ("sessionsink", GST_LEVEL_WARNING);
  ok = TRUE;
  g_signal_emit_by_name (e.sink, "send-message", NULL, "{}", &ok);
  g_assert_false (ok);

  g_signal_emit_by_name (e.sink, "mark", "MZp", "greeting", &ok);
  g_assert_true (ok);
  g_assert_true (phone.wait_message ("\"mark\""));
  assert_str_eq (phone.messages[phone.find ("\"mark\"")],
      "{\"event\":\"mark\",\"streamSid\":\"MZp\",\"mark\":{\"name\":"
      "\"greeting\"}}");
  /* Twilio answers the mark once played; the app hears of it. */
  phone.send ("{\"event\":\"mark\",\"sequenceNumber\":\"3\",\"streamSid\":"
      "\"MZp\",\"mark\":{\"name\":\"greeting\"}}");
  g_assert_true (test::wait_for ([&] {
        return marks.size () == 1;
      }));
  g_assert_cmpstr (marks[0].c_str (), ==, "greeting");

  g_signal_emit_by_name (e.sink, "clear", "MZp", &ok);
  g_assert_true (ok);
  g_assert_true (phone.wait_message ("\"clear\""));
  assert_str_eq (phone.messages[phone.find ("\"clear\"")],
      "{\"event\":\"clear\",\"streamSid\":\"MZp\"}");
  g_signal_emit_by_name (e.sink, "clear", "nobody", &ok);
  g_assert_false (ok);

  /* After the session ends, actions report it. */
  web.send ("{\"event\":\"stop\"}");
  g_assert_true (web.wait_closed ());
  g_assert_true (test::wait_for ([&] {
        return e.bus->count_elements ("session-ended") == 1;
      }));
  g_signal_emit_by_name (e.sink, "send-message", "web", "{}", &ok);
  g_assert_false (ok);
}

/* Buffers without any context: one warning, then silently dropped. */
static void
test_no_context ()
{
  GstElement *p = gst_parse_launch ("audiotestsrc num-buffers=20 ! "
      "audio/x-raw,format=S16LE,channels=1,rate=8000 ! sessionsink sync=false",
      nullptr);
  test::BusLog bus (p);
  gst_element_set_state (p, GST_STATE_PLAYING);
  g_assert_true (test::wait_for ([&] {
        return bus.count_type (GST_MESSAGE_EOS) == 1;
      }));
  gst_element_set_state (p, GST_STATE_NULL);
  g_assert_cmpuint (bus.count_type (GST_MESSAGE_WARNING), ==, 1);
  g_assert_true (bus.has_warning ("without a session context"));
  g_assert_cmpuint (bus.count_type (GST_MESSAGE_ERROR), ==, 0);
  gst_object_unref (p);
}

/* sync=true with a buffer list (what sessionsrc pushes to sessionsink):
 * basesink waits for the first buffer's time, and render_list waits for
 * each later one not due yet, as one buffer at a time would. */
static void
test_list_sync ()
{
  GstHarness *h = gst_harness_new ("sessionsink");
  GstBus *own_bus = gst_bus_new ();     /* the no-context warning */
  gst_element_set_bus (h->element, own_bus);
  gst_object_unref (own_bus);
  g_object_set (h->element, "sync", TRUE, NULL);  /* as by default */
  gst_harness_use_testclock (h);
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,channels=1,rate=8000");
  GstBufferList *list = gst_buffer_list_new ();
  for (int i = 0; i < 3; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (nullptr, 320, nullptr);
    GST_BUFFER_PTS (buf) = (i + 1) * 20 * GST_MSECOND;
    GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
    gst_buffer_list_add (list, buf);
  }
  struct Push
  {
    GstPad *pad;
    GstBufferList *list;
    std::atomic<int> ret { -100 };
  } push { h->srcpad, list };
  GThread *thread = g_thread_new ("push-list",[](gpointer data)->gpointer {
        auto *push = static_cast<Push *> (data);
        push->ret = gst_pad_push_list (push->pad, push->list);
        return nullptr;
      }, &push);
  for (int i = 0; i < 3; i++) {
    GstClockID id;
    g_assert_true (gst_harness_wait_for_clock_id_waits (h, 1, 5));
    GstTestClock *clock = gst_harness_get_testclock (h);
    gst_test_clock_wait_for_next_pending_id (clock, &id);
    gst_object_unref (clock);
    g_assert_cmpuint (gst_clock_id_get_time (id), ==,
        (i + 1) * 20 * GST_MSECOND);
    gst_clock_id_unref (id);
    g_assert_cmpint (push.ret.load (), ==, -100);        /* still waiting */
    g_assert_true (gst_harness_crank_single_clock_wait (h));
  }
  g_thread_join (thread);
  g_assert_cmpint (push.ret.load (), ==, GST_FLOW_OK);
  gst_harness_teardown (h);
}

/* A buffer of a session that has ended is dropped quietly. */
static void
test_ended_session ()
{
  Echo e;
  WsClient c;
  g_assert_true (c.connect (e.port (), "/websocket/offer"));
  c.send (test::fastrtc_start ("short"));
  g_assert_true (test::wait_for ([&] {
        return e.bus->count_elements ("session-started") == 1;
      }));
  auto started = e.bus->elements ("session-started");
  GstSessionContext *ctx = nullptr;
  gst_structure_get (started[0], "context", GST_TYPE_SESSION_CONTEXT, &ctx,
      NULL);
  gst_structure_free (started[0]);
  c.send ("{\"event\":\"stop\"}");
  g_assert_true (c.wait_closed ());

  GstHarness *h = gst_harness_new ("sessionsink");
  g_object_set (h->element, "sync", FALSE, NULL);
  GstBus *own_bus = gst_bus_new ();
  gst_element_set_bus (h->element, own_bus);
  gst_object_unref (own_bus);
  test::BusLog bus (h->element);
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,channels=1,rate=48000");
  GstBuffer *buf = gst_buffer_new_allocate (nullptr, 1920, nullptr);
  gst_buffer_memset (buf, 0, 0, 1920);
  gst_buffer_add_session_meta (buf, ctx);
  g_assert_cmpint (gst_harness_push (h, buf), ==, GST_FLOW_OK);
  /* A context made by the application, not by a server: same. */
  GstSessionContext *own = gst_session_context_new ("own",
      GST_SESSION_TRANSPORT_WEBSOCKET, GST_SESSION_DIALECT_FASTRTC, NULL,
      NULL);
  buf = gst_buffer_new_allocate (nullptr, 1920, nullptr);
  gst_buffer_memset (buf, 0, 0, 1920);
  gst_buffer_add_session_meta (buf, own);
  g_assert_cmpint (gst_harness_push (h, buf), ==, GST_FLOW_OK);
  g_assert_cmpuint (bus.count_type (GST_MESSAGE_WARNING), ==, 0);
  g_assert_cmpuint (bus.count_type (GST_MESSAGE_ERROR), ==, 0);
  gst_harness_teardown (h);
  g_object_unref (own);
  g_object_unref (ctx);
}

/* sessioninfo: a line per session change and a summary per session;
 * session-id passes one session only. */
static std::string printed;
static std::mutex printed_lock;

static void
test_sessioninfo ()
{
  GPrintFunc old = g_set_print_handler ([](const gchar * s) {
        std::lock_guard < std::mutex > l (printed_lock);
        printed += s;
      });
  {
    Echo e ("silent=false session-id=keep");
    WsClient keep, drop;
    g_assert_true (keep.connect (e.port (), "/websocket/offer"));
    g_assert_true (drop.connect (e.port (), "/websocket/offer"));
    keep.send (test::fastrtc_start ("keep"));
    drop.send (test::fastrtc_start ("drop"));
    Tone tone (500, 48000);
    for (int f = 0; f < 20; f++) {
      keep.send (test::fastrtc_media (tone.next_mulaw (960)));
      drop.send (test::fastrtc_media (tone.next_mulaw (960)));
      test::spin (5);
    }
    g_assert_true (keep.wait_message ("media"));
    test::spin (200);
    /* The filtered-out session never hears anything back. */
    g_assert_cmpint (drop.find ("media"), ==, -1);
    keep.send ("{\"event\":\"stop\"}");
    g_assert_true (keep.wait_closed ());
    g_assert_true (test::wait_for ([&] {
          std::lock_guard < std::mutex > l (printed_lock);
          return printed.find ("session keep ended: 20 buffers") !=
              std::string::npos;
        }));
    g_assert_true (e.bus->count_elements ("sessioninfo") >= 1);
  }
  g_set_print_handler (old);
  std::lock_guard < std::mutex > l (printed_lock);
  g_assert_nonnull (strstr (printed.c_str (),
          "session keep (websocket/fastrtc from 127.0.0.1:"));
  g_assert_null (strstr (printed.c_str (), "session drop"));
  /* One line when the session appears, one when it ends: not per buffer. */
  size_t lines = 0;
  for (const char *p = printed.c_str (); (p = strstr (p, "session keep"));
      p++)
    lines++;
  g_assert_cmpuint (lines, ==, 2);
}


/* A client that stops reading: what its socket does not take waits, up to
 * max-send-queue; past that it is disconnected (reason error, warning
 * send_buffer_full) and what waited is dropped. Measured for two settings:
 * what was sent less what the client's socket got in the end is what
 * waited, the limit and at most one message more. Another client on the
 * same server, streamed to all along, loses nothing. */
static void
slow_client_with_limit (guint limit)
{
  test::LivePipeline e ("sessionsrc name=src port=0 address=127.0.0.1 "
      "max-send-queue=" + std::to_string (limit) + " ! sessionsink name=sink");
  e.play ();
  test::RawWsClient slow;
  slow.set_receive_buffer (4096);
  WsClient fine;
  g_assert_true (slow.connect (e.port (), "/websocket/offer"));
  g_assert_true (fine.connect (e.port (), "/websocket/offer"));
  slow.send (test::fastrtc_start ("slow"));
  fine.send (test::fastrtc_start ("fine"));
  g_assert_true (test::wait_for ([&] {
        return e.bus->count_elements ("session-started") == 2;
      }));

  const std::string json = "{\"type\":\"log\",\"data\":\"" +
      std::string (8000, 'x') + "\"}";
  const size_t frame = 4 + json.size ();        /* 16-bit length header */
  gboolean ok = TRUE;
  size_t sent = 0;
  /* The kernel's socket buffers take some first (megabytes: the send
   * buffer grows), then the queue fills. */
  while (sent < 4000) {
    g_signal_emit_by_name (e.sink, "send-message", "slow", json.c_str (),
        &ok);
    if (!ok)
      break;
    sent++;
    gboolean fine_ok = FALSE;
    g_signal_emit_by_name (e.sink, "send-message", "fine", ("{\"seq\":" +
            std::to_string (sent) + "}").c_str (), &fine_ok);
    g_assert_true (fine_ok);
    g_main_context_iteration (nullptr, FALSE);
  }
  g_assert_false (ok);
  g_assert_true (test::wait_for ([&] {
        return e.bus->ended_reason ("slow") == "error";
      }));
  g_assert_true (e.bus->has_warning ("send_buffer_full"));
  /* The server closed; its kernel still delivers what it had taken. */
  gssize got = slow.read_until_closed ();
  g_assert_cmpint (got, >=, 0);
  const gssize waited = (gssize) (sent * frame) - got;
  g_test_message ("max-send-queue %u: %zu messages of %zu bytes taken, "
      "%zd reached the client, %zd waited", limit, sent, frame, got,
      waited);
  g_assert_cmpint (waited, >, (gssize) limit - (gssize) frame);
  g_assert_cmpint (waited, <=, (gssize) (limit + frame));

  g_signal_emit_by_name (e.sink, "send-message", "fine", "{\"ok\":1}", &ok);
  g_assert_true (ok);
  g_assert_true (fine.wait_message ("\"ok\":1"));
  /* Every message to the other client, in order. */
  g_assert_cmpuint (fine.messages.size (), ==, sent + 1);
  for (size_t i = 0; i < sent; i++)
    assert_str_eq (fine.messages[i], "{\"seq\":" + std::to_string (i + 1) +
        "}");
  g_assert_false (fine.closed);
  g_assert_cmpuint (e.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
}

static void
test_slow_client ()
{
  slow_client_with_limit (16384);
  slow_client_with_limit (1024 * 1024);
}


/* clear drops media the client has not taken yet: a Twilio client that
 * does not read gets its echo queued; after clear, nothing queued before it
 * arrives after the clear event, and fewer frames come back than went out.
 * Every frame that does arrive is whole (a partly written one is kept).
 * @by_event: through a session-clear event into sessionsink's pad (what a
 * turn detector in a handler sends) instead of the clear action signal. */
static void
clear_drops_queued_media (bool by_event)
{
  test::LivePipeline e ("sessionsrc name=src port=0 address=127.0.0.1 "
      "rate=8000 max-send-queue=268435456 ! tee name=t ! queue ! "
      "fakesink name=cap sync=false async=false t. ! queue ! "
      "sessionsink name=sink sync=false");
  e.play ();
  test::RawWsClient c;
  c.set_receive_buffer (4096);
  g_assert_true (c.connect (e.port (), "/telephone/handler"));
  c.send (test::twilio_start ("MZq"));
  const int frames = 30000;     /* ~10 MB of echo: more than sockets hold */
  std::string mulaw (160, (char) 0x2a);
  for (int i = 0; i < frames; i++)
    c.send (test::twilio_media ("MZq", i + 2, mulaw));
  g_assert_true (test::wait_for ([&] {
        return e.capture.samples_of ("MZq") == (size_t) frames * 160;
      }, 30000));
  g_usleep (500 * 1000);        /* the sink's branch renders its last */

  gboolean ok = FALSE;
  if (by_event) {
    GstPad *pad = gst_element_get_static_pad (e.sink, "sink");
    GstSessionContext *context = nullptr;
    GstSample *sample = nullptr;
    g_object_get (e.sink, "last-sample", &sample, NULL);
    g_assert_nonnull (sample);
    context = gst_session_context_get_current (pad,
        gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
    g_assert_nonnull (context);
    g_assert_true (gst_pad_send_event (pad,
            gst_event_new_session_clear (context)));
    g_object_unref (context);
    gst_object_unref (pad);
  } else {
    g_signal_emit_by_name (e.sink, "clear", "MZq", &ok);
    g_assert_true (ok);
  }
  g_signal_emit_by_name (e.sink, "send-message", "MZq", "{\"after\":1}",
      &ok);
  g_assert_true (ok);

  int media = 0, media_after_clear = 0;
  bool cleared = false;
  while (true) {
    std::string text = c.read_text (5000);
    if (text.find ("\"event\":\"clear\"") != std::string::npos) {
      cleared = true;
    } else if (text.find ("\"after\":1") != std::string::npos) {
      break;
    } else if (text.find ("\"event\":\"media\"") != std::string::npos) {
      media++;
      media_after_clear += cleared;
    }
  }
  g_test_message ("%d of %d media frames came back before the clear",
      media, frames);
  g_assert_true (cleared);
  g_assert_cmpint (media_after_clear, ==, 0);
  g_assert_cmpint (media, >, 0);
  g_assert_cmpint (media, <, frames);
}

static void
test_clear_drops_queued_media ()
{
  clear_drops_queued_media (false);
}

static void
test_clear_event_drops_queued_media ()
{
  clear_drops_queued_media (true);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/echo/both-dialects", test_both_dialects);
  g_test_add_func ("/echo/actions", test_actions);
  g_test_add_func ("/echo/binary-media", test_binary_media);
  g_test_add_func ("/echo/paced", test_paced);
  g_test_add_func ("/echo/slow-client", test_slow_client);
  g_test_add_func ("/echo/clear-drops-queued-media",
      test_clear_drops_queued_media);
  g_test_add_func ("/echo/clear-event-drops-queued-media",
      test_clear_event_drops_queued_media);
  g_test_add_func ("/echo/no-context", test_no_context);
  g_test_add_func ("/echo/ended-session", test_ended_session);
  g_test_add_func ("/echo/list-sync", test_list_sync);
  g_test_add_func ("/echo/sessioninfo", test_sessioninfo);
  return g_test_run ();
}
