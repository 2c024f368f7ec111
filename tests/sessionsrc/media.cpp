/* sessionsrc with real clients on loopback: what sessions send reaches
 * the pipeline (three FastRTC sessions, Twilio, session pads, binary media,
 * buffer lists of batched frames).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sessionsrc/fixture.h"

#include <atomic>

using test::Tone;
using test::WsClient;

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
  /* A WebSocket client sends and takes back audio. */
  for (auto *st : p.bus->elements ("session-started")) {
    assert_str_eq (gst_structure_get_string (st, "media"), "audio");
    assert_str_eq (gst_structure_get_string (st, "media-back"), "audio");
    gst_structure_free (st);
  }
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
  std::map<std::string, std::string> stream_ids;    /* session id: its pad's */
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
              t->stream_ids[id] = test::stream_id_of (pad);
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
  /* Each pad's stream id as gst_pad_create_stream_id () makes it, "HASH/"
   * and the session's id, the element's hash the same for all. */
  const std::string first = t.stream_ids["pad-0"];
  g_test_message ("stream ids: %s, %s", first.c_str (),
      t.stream_ids["pad-1"].c_str ());
  const std::string base = test::stream_id_hash (first);
  for (int i = 0; i < 2; i++) {
    std::string id = "pad-" + std::to_string (i);
    assert_str_eq (t.stream_ids[id], base + "/" + id);
    g_assert_cmpuint (t.samples[id], ==, 20 * 960);
    g_assert_cmpint (t.eos[id], ==, 1);
  }
  /* Only the always "src" pad is left. */
  g_assert_cmpint (p.src->numsrcpads, ==, 1);
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

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sessionsrc/three-sessions", test_three_sessions);
  g_test_add_func ("/sessionsrc/twilio", test_twilio);
  g_test_add_func ("/sessionsrc/session-pads", test_session_pads);
  g_test_add_func ("/sessionsrc/binary-media", test_binary_media);
  g_test_add_func ("/sessionsrc/batched-echo", test_batched_echo);
  return g_test_run ();
}
