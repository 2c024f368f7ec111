/* Hot-path microbenchmark: what one incoming media frame costs, and its
 * parts, next to a plain json-glib parse of the same message; what the
 * metrics counters add to it, and what rendering /metrics costs.
 *
 *   build/tests/bench/bench-hotpath [--benchmark_filter=...]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "wire/base64.h"
#include "core/metrics.h"
#include "wire/mulaw.h"
#include "wire/protocol.h"

#include <benchmark/benchmark.h>
#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.h>
#include <json-glib/json-glib.h>

#include <atomic>
#include <string>
#include <vector>

namespace {

/* 20 ms of µ-law at 8 kHz. */
std::vector<uint8_t>
frame_mulaw ()
{
  std::vector<uint8_t> mu (160);
  for (size_t i = 0; i < mu.size (); i++)
    mu[i] = (uint8_t) (i * 37);
  return mu;
}

/* A Twilio media message as Twilio sends it (20 ms, 160 µ-law bytes). */
std::string
twilio_media ()
{
  std::string payload;
  std::vector<uint8_t> mu = frame_mulaw ();
  sessionctx::base64_encode_append (mu.data (), mu.size (), payload);
  return "{\"event\":\"media\",\"sequenceNumber\":\"3\",\"streamSid\":"
      "\"MZ18ad3ab5a668481ce02b83e7395059f0\",\"media\":{\"track\":\"inbound\","
      "\"chunk\":\"1\",\"timestamp\":\"5\",\"payload\":\"" + payload + "\"}}";
}

const std::string kMessage = twilio_media ();

/* A context and a 20 ms buffer for the frame and meta benchmarks. */
struct MetaBench
{
  GstSessionContext *ctx = gst_session_context_new ("x",
      GST_SESSION_TRANSPORT_WEBSOCKET, GST_SESSION_DIALECT_FASTRTC, nullptr,
      nullptr);
  GstBuffer *buf = gst_buffer_new_allocate (nullptr, 320, nullptr);
  ~MetaBench ()
  {
    gst_buffer_unref (buf);
    g_object_unref (ctx);
  }
};

void
BM_JsonGlibParseOnly (benchmark::State & state)
{
  for (auto _ : state) {
    JsonParser *p = json_parser_new ();
    bool ok = json_parser_load_from_data (p, kMessage.data (),
        (gssize) kMessage.size (), nullptr);
    benchmark::DoNotOptimize (ok);
    g_object_unref (p);
  }
  state.SetLabel (std::to_string (kMessage.size ()) + " B message");
}
BENCHMARK (BM_JsonGlibParseOnly);

/* A Twilio start as Twilio sends it: what parsing it costs the I/O thread
 * at each session's start (start_cost.py measures the whole start). */
void
BM_TwilioStartParse (benchmark::State & state)
{
  const std::string start = "{\"event\":\"start\",\"sequenceNumber\":\"1\","
      "\"start\":{\"accountSid\":\"AC123\",\"streamSid\":\"MZ18ad3ab5a668481"
      "ce02b83e7395059f0\",\"callSid\":\"CA123\",\"tracks\":[\"inbound\"],"
      "\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\",\"sampleRate\":8000,"
      "\"channels\":1},\"customParameters\":{\"room\":\"7\"}},"
      "\"streamSid\":\"MZ18ad3ab5a668481ce02b83e7395059f0\"}";
  for (auto _ : state) {
    auto m = sessionctx::parse_client_message (GST_SESSION_DIALECT_TWILIO,
        start.data (), start.size ());
    benchmark::DoNotOptimize (m.kind);
  }
  state.SetLabel (std::to_string (start.size ()) + " B message");
}
BENCHMARK (BM_TwilioStartParse);

/* What sessionsrc does with the audio of a frame: µ-law decoded straight
 * into the buffer that goes downstream, which gets the session meta. */
GstBuffer *
frame_buffer (const uint8_t * mulaw, size_t n, GstSessionContext * ctx)
{
  GstBuffer *buf = gst_buffer_new_allocate (nullptr, n * 2, nullptr);
  GstMapInfo map;
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  sessionctx::mulaw_decode_block (mulaw, n,
      reinterpret_cast<int16_t *> (map.data));
  gst_buffer_unmap (buf, &map);
  gst_buffer_add_session_meta (buf, ctx);
  return buf;
}

/* Per incoming JSON media frame: parse (simdjson fast path) + base64 +
 * µ-law → S16 + buffer + meta. */
void
BM_FramePath (benchmark::State & state)
{
  MetaBench b;
  for (auto _ : state) {
    auto msg = sessionctx::parse_client_message (GST_SESSION_DIALECT_TWILIO,
        kMessage.data (), kMessage.size ());
    GstBuffer *buf = frame_buffer (msg.payload.data (), msg.payload.size (),
        b.ctx);
    benchmark::DoNotOptimize (buf);
    gst_buffer_unref (buf);
  }
}
BENCHMARK (BM_FramePath);

/* What counting a received frame adds (Session::count_media): the
 * session's frames and bytes, its last-media time, the server's totals;
 * relaxed atomic adds, no lock. */
struct FrameCounters
{
  sessionctx::Metrics metrics;
  std::atomic<guint64> frames { 0 }, bytes { 0 };
  std::atomic<gint64> last_media_us { 0 };
  void count (size_t n)
  {
    frames.fetch_add (1, std::memory_order_relaxed);
    bytes.fetch_add (n, std::memory_order_relaxed);
    metrics.frame_received (n);
    last_media_us.store (g_get_monotonic_time (), std::memory_order_relaxed);
  }
};

/* BM_FramePath with the counters: the difference is their cost. */
void
BM_FramePathCounted (benchmark::State & state)
{
  MetaBench b;
  FrameCounters c;
  for (auto _ : state) {
    auto msg = sessionctx::parse_client_message (GST_SESSION_DIALECT_TWILIO,
        kMessage.data (), kMessage.size ());
    c.count (msg.payload.size ());
    GstBuffer *buf = frame_buffer (msg.payload.data (), msg.payload.size (),
        b.ctx);
    benchmark::DoNotOptimize (buf);
    gst_buffer_unref (buf);
  }
}
BENCHMARK (BM_FramePathCounted);

/* The counters alone, one thread, and shared by every thread (the
 * server's totals are one cache line for all I/O and streaming threads:
 * the contended case). */
FrameCounters shared_counters;

void
BM_FrameCounters (benchmark::State & state)
{
  FrameCounters c;
  for (auto _ : state)
    c.count (160);
}
BENCHMARK (BM_FrameCounters);

/* What this change added per frame: the server's totals (the session's
 * counters and last-media time were counted before). */
void
BM_ServerTotals (benchmark::State & state)
{
  for (auto _ : state)
    shared_counters.metrics.frame_received (160);
}
BENCHMARK (BM_ServerTotals)->Threads (1)->Threads (2);

void
BM_FrameCountersShared (benchmark::State & state)
{
  for (auto _ : state)
    shared_counters.count (160);
}
BENCHMARK (BM_FrameCountersShared)->Threads (1)->Threads (2);

/* A scrape's text: independent of the number of sessions (counters and
 * gauges only, no per-session series). */
void
BM_MetricsRender (benchmark::State & state)
{
  sessionctx::Metrics m;
  m.protocol_error ("invalid_json");
  m.websocket_handshake.observe (0.0004);
  for (auto _ : state) {
    std::string text = m.render ();
    benchmark::DoNotOptimize (text.data ());
  }
  state.SetLabel (std::to_string (m.render ().size ()) + " B");
}
BENCHMARK (BM_MetricsRender);

/* The same frame with the binary media extension: the 160 µ-law bytes are
 * the message; no JSON, no base64. */
void
BM_BinaryFramePath (benchmark::State & state)
{
  MetaBench b;
  const std::vector<uint8_t> mu = frame_mulaw ();
  for (auto _ : state) {
    GstBuffer *buf = frame_buffer (mu.data (), mu.size (), b.ctx);
    benchmark::DoNotOptimize (buf);
    gst_buffer_unref (buf);
  }
}
BENCHMARK (BM_BinaryFramePath);

void
BM_Base64Decode (benchmark::State & state)
{
  std::string b64;
  std::vector<uint8_t> raw (160, 0x55), out (sessionctx::base64_decoded_max
      (216));
  sessionctx::base64_encode_append (raw.data (), raw.size (), b64);
  for (auto _ : state)
    benchmark::DoNotOptimize (sessionctx::base64_decode (b64.data (),
            b64.size (), out.data ()));
  state.SetLabel (std::to_string (b64.size ()) + " chars");
}
BENCHMARK (BM_Base64Decode);

void
BM_MulawDecode160 (benchmark::State & state)
{
  std::vector<uint8_t> mu (160, 0x42);
  std::vector<int16_t> pcm (160);
  for (auto _ : state) {
    sessionctx::mulaw_decode_block (mu.data (), mu.size (), pcm.data ());
    benchmark::DoNotOptimize (pcm.data ());
  }
}
BENCHMARK (BM_MulawDecode160);

void
BM_MulawEncode160 (benchmark::State & state)
{
  std::vector<int16_t> pcm (160);
  for (size_t i = 0; i < pcm.size (); i++)
    pcm[i] = (int16_t) (i * 199);
  std::vector<uint8_t> mu (160);
  for (auto _ : state) {
    sessionctx::mulaw_encode_block (pcm.data (), pcm.size (), mu.data ());
    benchmark::DoNotOptimize (mu.data ());
  }
}
BENCHMARK (BM_MulawEncode160);

/* sessionsink's side: µ-law frame → the JSON text sent. */
void
BM_SendFrame (benchmark::State & state)
{
  std::vector<uint8_t> mu (160, 0x42);
  for (auto _ : state) {
    std::string out = sessionctx::media_message (GST_SESSION_DIALECT_TWILIO,
        "MZ18ad3ab5a668481ce02b83e7395059f0", mu.data (), mu.size ());
    benchmark::DoNotOptimize (out.data ());
  }
}
BENCHMARK (BM_SendFrame);

void
BM_MetaAddGet (benchmark::State & state)
{
  MetaBench b;
  for (auto _ : state) {
    GstSessionMeta *meta = gst_buffer_add_session_meta (b.buf, b.ctx);
    GstSessionContext *cur = gst_session_context_get_current (nullptr, b.buf);
    benchmark::DoNotOptimize (cur);
    g_object_unref (cur);
    gst_buffer_remove_meta (b.buf, (GstMeta *) meta);
  }
}
BENCHMARK (BM_MetaAddGet);

/* What a downstream element pays per buffer: the current context (meta
 * lookup + ref) and its release. */
void
BM_MetaGetCurrent (benchmark::State & state)
{
  MetaBench b;
  gst_buffer_add_session_meta (b.buf, b.ctx);
  for (auto _ : state) {
    GstSessionContext *cur = gst_session_context_get_current (nullptr, b.buf);
    benchmark::DoNotOptimize (cur);
    g_object_unref (cur);
  }
}
BENCHMARK (BM_MetaGetCurrent);

/* The meta alone, no reference taken (C callers that only peek). */
void
BM_MetaPeek (benchmark::State & state)
{
  MetaBench b;
  gst_buffer_add_session_meta (b.buf, b.ctx);
  for (auto _ : state) {
    GstSessionMeta *meta = gst_buffer_get_session_meta (b.buf);
    benchmark::DoNotOptimize (meta->context);
  }
}
BENCHMARK (BM_MetaPeek);

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  benchmark::Initialize (&argc, argv);
  benchmark::RunSpecifiedBenchmarks ();
  benchmark::Shutdown ();
  return 0;
}
