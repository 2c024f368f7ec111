/* Unit tests: context/meta/event/message API, meta survival through common
 * elements, G.711 µ-law, strict base64, protocol parsing.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "http/access.h"
#include "common.h"
#include "wire/logsafe.h"
#include "core/metrics.h"
#include "wire/protocol.h"
#include "strictjson.h"
#include "wire/websocket.h"

#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>

#include <algorithm>

using namespace sessionctx;

static GstSessionContext *
make_context (const char *id = "abc")
{
  GstStructure *meta = gst_structure_new ("metadata", "callSid",
      G_TYPE_STRING, "CA1", NULL);
  return gst_session_context_new (id, GST_SESSION_TRANSPORT_WEBSOCKET,
      GST_SESSION_DIALECT_TWILIO, "127.0.0.1:5000", meta);
}

/* ---------------- context / meta / event / message API ---------------- */

static void
test_context_fields ()
{
  GstSessionContext *ctx = make_context ();
  g_assert_cmpstr (gst_session_context_get_id (ctx), ==, "abc");
  g_assert_cmpint (gst_session_context_get_transport (ctx), ==,
      GST_SESSION_TRANSPORT_WEBSOCKET);
  g_assert_cmpint (gst_session_context_get_dialect (ctx), ==,
      GST_SESSION_DIALECT_TWILIO);
  g_assert_cmpstr (gst_session_context_get_remote_address (ctx), ==,
      "127.0.0.1:5000");
  g_assert_cmpstr (gst_structure_get_string (gst_session_context_get_metadata
          (ctx), "callSid"), ==, "CA1");
  g_assert_cmpint (gst_session_context_get_started_wall (ctx), >, 0);
  g_assert_cmpint (gst_session_context_get_started_monotonic (ctx), >, 0);

  gchar *id = nullptr;
  GstSessionTransport transport;
  g_object_get (ctx, "id", &id, "transport", &transport, NULL);
  g_assert_cmpstr (id, ==, "abc");
  g_assert_cmpint (transport, ==, GST_SESSION_TRANSPORT_WEBSOCKET);
  g_free (id);

  g_assert_cmpstr (gst_session_transport_to_string
      (GST_SESSION_TRANSPORT_WEBRTC), ==, "webrtc");
  g_assert_cmpstr (gst_session_dialect_to_string
      (GST_SESSION_DIALECT_FASTRTC), ==, "fastrtc");
  g_assert_cmpstr (gst_session_end_reason_to_string
      (GST_SESSION_END_REASON_TIME_LIMIT), ==, "time-limit");

  /* No metadata given: an empty structure, never NULL. */
  GstSessionContext *bare = gst_session_context_new ("x",
      GST_SESSION_TRANSPORT_WEBRTC, GST_SESSION_DIALECT_FASTRTC, NULL, NULL);
  g_assert_nonnull (gst_session_context_get_metadata (bare));
  g_assert_null (gst_session_context_get_remote_address (bare));
  g_object_unref (bare);
  g_object_unref (ctx);
}

static void
test_context_rejects_empty_id ()
{
  g_test_expect_message ("GstSessionCtx", G_LOG_LEVEL_CRITICAL, "*id != NULL*");
  g_assert_null (gst_session_context_new ("", GST_SESSION_TRANSPORT_WEBSOCKET,
          GST_SESSION_DIALECT_FASTRTC, NULL, NULL));
  g_test_assert_expected_messages ();
}

static void
test_meta_add_get ()
{
  GstSessionContext *ctx = make_context ();
  GstBuffer *buf = gst_buffer_new_allocate (nullptr, 320, nullptr);
  g_assert_null (gst_buffer_get_session_meta (buf));
  g_assert_null (gst_session_context_get_current (nullptr, buf));

  GstSessionMeta *meta = gst_buffer_add_session_meta (buf, ctx);
  g_assert_true (meta->context == ctx);
  g_assert_true (gst_buffer_get_session_meta (buf) == meta);

  GstSessionContext *cur = gst_session_context_get_current (nullptr, buf);
  g_assert_true (cur == ctx);
  g_object_unref (cur);

  /* Copies keep the meta (and the same context). */
  GstBuffer *copy = gst_buffer_copy_deep (buf);
  g_assert_true (gst_buffer_get_session_meta (copy)->context == ctx);

  /* The meta holds its own reference. */
  g_object_add_weak_pointer (G_OBJECT (ctx), (gpointer *) & ctx);
  g_object_unref (ctx);
  g_assert_nonnull (ctx);
  gst_buffer_unref (buf);
  g_assert_nonnull (ctx);
  gst_buffer_unref (copy);
  g_assert_null (ctx);

  /* C++ helper */
  GstSessionContext *c2 = make_context ("cpp");
  GstBuffer *b2 = gst_buffer_new ();
  gst_buffer_add_session_meta (b2, c2);
  g_object_unref (c2);
  {
    auto current = gst::session::current (nullptr, b2);
    g_assert_true (bool (current));
    assert_str_eq (current.id (), "cpp");
    auto copy2 = current;
    g_assert_true (copy2.get () == current.get ());
  }
  g_assert_false (bool (gst::session::current (nullptr, nullptr)));
  gst_buffer_unref (b2);
}

static void
test_events_and_messages ()
{
  GstSessionContext *ctx = make_context ();
  GstSessionContext *out = nullptr;

  GstEvent *sticky = gst_event_new_session_context (ctx);
  g_assert_cmpint (GST_EVENT_TYPE (sticky), ==,
      GST_EVENT_CUSTOM_DOWNSTREAM_STICKY);
  g_assert_true (gst_event_parse_session_context (sticky, &out));
  g_assert_true (out == ctx);
  g_object_unref (out);
  g_assert_false (gst_event_parse_session_start (sticky, nullptr));

  GstEvent *start = gst_event_new_session_start (ctx);
  g_assert_cmpint (GST_EVENT_TYPE (start), ==, GST_EVENT_CUSTOM_DOWNSTREAM);
  g_assert_true (GST_EVENT_IS_SERIALIZED (start));
  g_assert_true (gst_event_parse_session_start (start, nullptr));
  out = nullptr;
  g_assert_true (gst_event_parse_session_start (start, &out));
  g_assert_true (out == ctx);
  g_object_unref (out);

  GstSessionEndReason reason;
  GstEvent *end = gst_event_new_session_end (ctx, GST_SESSION_END_REASON_IDLE);
  out = nullptr;
  g_assert_true (gst_event_parse_session_end (end, &out, &reason));
  g_assert_true (out == ctx);
  g_assert_cmpint (reason, ==, GST_SESSION_END_REASON_IDLE);
  g_object_unref (out);

  gchar *digit = nullptr;
  GstEvent *dtmf = gst_event_new_session_dtmf (ctx, "7");
  out = nullptr;
  g_assert_true (gst_event_parse_session_dtmf (dtmf, &out, &digit));
  g_assert_true (out == ctx);
  g_assert_cmpstr (digit, ==, "7");
  g_free (digit);
  g_object_unref (out);
  /* Each event names the session in its structure too, and only parses
   * as its own kind. */
  for (GstEvent *e : {sticky, start, end, dtmf})
    g_assert_cmpstr (gst_structure_get_string (gst_event_get_structure (e),
            "session-id"), ==, "abc");
  g_assert_false (gst_event_parse_session_end (start, nullptr, nullptr));
  g_assert_false (gst_event_parse_session_dtmf (end, nullptr, nullptr));
  g_assert_false (gst_event_parse_session_context (dtmf, nullptr));

  /* The sticky event answers on a pad when the buffer has no meta. */
  GstPad *pad = gst_pad_new ("sink", GST_PAD_SINK);
  gst_pad_set_active (pad, TRUE);
  g_assert_null (gst_session_context_get_current (pad, nullptr));
  gst_pad_store_sticky_event (pad, sticky);
  GstBuffer *plain = gst_buffer_new ();
  out = gst_session_context_get_current (pad, plain);
  g_assert_true (out == ctx);
  g_object_unref (out);
  /* ...but the buffer's meta wins over the pad. */
  GstSessionContext *other = make_context ("other");
  gst_buffer_add_session_meta (plain, other);
  out = gst_session_context_get_current (pad, plain);
  g_assert_true (out == other);
  g_object_unref (out);
  g_object_unref (other);
  gst_buffer_unref (plain);
  gst_pad_set_active (pad, FALSE);
  gst_object_unref (pad);

  GstSessionStats stats = { 10, 1600, 2 * GST_SECOND };
  GstMessage *ended = gst_message_new_session_ended (nullptr, ctx,
      GST_SESSION_END_REASON_STOP, &stats);
  GstSessionStats got = { 0, 0, 0 };
  out = nullptr;
  g_assert_true (gst_message_parse_session_ended (ended, &out, &reason, &got));
  g_assert_true (out == ctx);
  g_assert_cmpint (reason, ==, GST_SESSION_END_REASON_STOP);
  g_assert_cmpuint (got.frames, ==, 10);
  g_assert_cmpuint (got.bytes, ==, 1600);
  g_assert_cmpuint (got.duration, ==, 2 * GST_SECOND);
  g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure
          (ended), "reason-name"), ==, "stop");
  g_object_unref (out);

  GstMessage *started = gst_message_new_session_started (nullptr, ctx);
  out = gst_message_get_session_context (started);
  g_assert_true (out == ctx);
  g_object_unref (out);
  g_assert_false (gst_message_parse_session_ended (started, nullptr, nullptr,
          nullptr));
  /* Structures print the context as transport/dialect:id. */
  gchar *text = gst_structure_to_string (gst_message_get_structure (started));
  g_assert_nonnull (strstr (text, "websocket/twilio:abc"));
  g_free (text);

  GstMessage *app = gst_message_new_session_message (nullptr, ctx, "{}");
  g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure (app),
          "message"), ==, "{}");
  GstMessage *mark = gst_message_new_session_mark (nullptr, ctx, "m1");
  g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure (mark),
          "name"), ==, "m1");
  /* Every message carries the context and names the session. */
  for (GstMessage *m : {ended, started, app, mark}) {
    out = gst_message_get_session_context (m);
    g_assert_true (out == ctx);
    g_object_unref (out);
    g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure (m),
            "session-id"), ==, "abc");
  }

  for (GstMessage *m : {ended, started, app, mark})
    gst_message_unref (m);
  for (GstEvent *e : {sticky, start, end, dtmf})
    gst_event_unref (e);
  g_object_unref (ctx);
}

/* ---------------- meta through elements ---------------- */

/* Pushes 1 s of 48 kHz S16LE mono (50 buffers with the meta) through
 * @launch, drains with EOS, and reports how many output buffers carry the
 * meta (once made writable: copied when the element forwarded its input)
 * and whether the sticky event answers for the others. */
struct Survival
{
  guint out_buffers = 0;
  guint with_meta = 0;
  guint with_context = 0;       /* meta or sticky event */
  guint forwarded = 0;          /* the input buffer itself */
};

static Survival
push_through (const char *launch)
{
  /* A bare name of an element with request sink pads (a mixer). */
  GstHarness *h = strchr (launch, ' ') || strcmp (launch, "audiomixer") != 0 ?
      gst_harness_new_parse (launch) :
      gst_harness_new_with_padnames (launch, "sink_%u", "src");
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,channels=1,rate=48000");
  GstSessionContext *ctx = make_context ("through");
  /* The source of truth for elements that drop metas. */
  gst_harness_push_event (h, gst_event_new_session_context (ctx));
  test::Tone tone (440, 48000);
  std::vector<GstBuffer *> held;
  for (int i = 0; i < 50; i++) {
    auto pcm = tone.next (960);
    GstBuffer *buf = gst_buffer_new_memdup (pcm.data (), pcm.size () * 2);
    GST_BUFFER_PTS (buf) = i * 20 * GST_MSECOND;
    GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
    gst_buffer_add_session_meta (buf, ctx);
    /* Held here too, as a tee's other branch would: the buffer reaches the
     * element (and what it forwards reaches us) not writable. */
    held.push_back (gst_buffer_ref (buf));
    g_assert_cmpint (gst_harness_push (h, buf), ==, GST_FLOW_OK);
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  /* EOS is serialized: once it arrives, every buffer has too (queue and
   * tee ! queue push from their own thread). */
  bool eos = false;
  for (int i = 0; i < 10000 && !eos; i++) {
    if (GstEvent * e = gst_harness_try_pull_event (h)) {
      eos = GST_EVENT_TYPE (e) == GST_EVENT_EOS;
      gst_event_unref (e);
    } else {
      g_usleep (1000);
    }
  }
  g_assert_true (eos);

  Survival r;
  while (GstBuffer * out = gst_harness_try_pull (h)) {
    r.out_buffers++;
    /* What an element downstream that writes in place does: a forwarded
     * buffer, still shared, is copied (the meta's transform). */
    if (std::find (held.begin (), held.end (), out) != held.end ())
      r.forwarded++;
    out = gst_buffer_make_writable (out);
    if (GstSessionMeta * m = gst_buffer_get_session_meta (out)) {
      g_assert_true (m->context == ctx);
      r.with_meta++;
    }
    GstSessionContext *cur = gst_session_context_get_current (h->sinkpad, out);
    if (cur) {
      g_assert_true (cur == ctx);
      r.with_context++;
      g_object_unref (cur);
    }
    gst_buffer_unref (out);
  }
  for (auto *b : held)
    gst_buffer_unref (b);
  g_object_unref (ctx);
  gst_harness_teardown (h);
  return r;
}

struct Chain
{
  const char *name;
  const char *launch;
  bool keeps_meta;
  /* Buffers flushed out at EOS from internal state have no input buffer
   * to take the meta from. */
  guint drain_without_meta;
  /* Passes its input buffers on (so the copy made of each exercises the
   * meta's transform). */
  bool forwards = false;
};

/* Measured with GStreamer 1.22 (the README's table comes from here). */
static const Chain chains[] = {
  {"audioconvert", "audioconvert ! capsfilter caps=audio/x-raw,format=F32LE",
      true, 0},
  /* The filter's tail, flushed at EOS, has no input buffer. */
  {"audioresample", "audioresample ! capsfilter caps=audio/x-raw,rate=16000",
      true, 1},
  {"queue", "queue", true, 0, true},
  {"tee", "tee ! queue", true, 0, true},
  /* In place: identity itself copies an input that is not writable. */
  {"identity", "identity", true, 0},
  {"opus", "opusenc ! opusdec", true, 0},
  {"mulaw", "mulawenc ! mulawdec", true, 0},
  {"rtp-opus", "opusenc ! rtpopuspay ! rtpopusdepay ! opusdec", true, 0},
  /* Aggregators build new buffers: the meta is gone, the sticky event
   * answers. */
  {"audiomixer", "audiomixer", false, 0},
};

/* One case per chain, /meta/through/<name>, each registered in main (). */
static_assert (G_N_ELEMENTS (chains) == 9, "a chain was added or removed: "
    "add or remove its g_test_add_func (\"/meta/through/<name>\", ...) line "
    "in main () and count it here");

static void
test_meta_survival ()
{
  /* The chain this case is named after. */
  const char *name = strrchr (g_test_get_path (), '/') + 1;
  const Chain *c = nullptr;
  for (const Chain & each : chains)
    if (strcmp (each.name, name) == 0)
      c = &each;
  g_assert_nonnull (c);
  Survival r = push_through (c->launch);
  g_test_message ("%s: %u buffers out (%u forwarded, copied), %u with meta, "
      "%u with context", c->launch, r.out_buffers, r.forwarded, r.with_meta,
      r.with_context);
  g_assert_cmpuint (r.out_buffers, >, 0);
  /* Elements that pass buffers on: each was copied here. */
  if (c->forwards)
    g_assert_cmpuint (r.forwarded, ==, r.out_buffers);
  if (c->keeps_meta)
    g_assert_cmpuint (r.with_meta, >=, r.out_buffers - c->drain_without_meta);
  else
    g_assert_cmpuint (r.with_meta, ==, 0);
  /* Whatever the element does with metas, the sticky event answers. */
  g_assert_cmpuint (r.with_context, ==, r.out_buffers);
}

/* ---------------- G.711 µ-law ---------------- */

static void
test_mulaw_reference ()
{
  /* ITU-T G.191 ulaw_expand / ulaw_compress values. */
  const struct
  {
    uint8_t code;
    int16_t linear;
  } decode[] = {
    {0x00, -32124}, {0x01, -31100}, {0x0F, -16764}, {0x7E, -8}, {0x7F, 0},
    {0x80, 32124}, {0xFE, 8}, {0xFF, 0},
  };
  for (auto & d : decode)
    g_assert_cmpint (mulaw_decode (d.code), ==, d.linear);

  const struct
  {
    int16_t linear;
    uint8_t code;
  } encode[] = {
    {0, 0xFF}, {1, 0xFF}, {-1, 0x7F}, {-4, 0x7F}, {-5, 0x7E}, {100, 242},
    {-100, 115}, {1000, 206}, {-1000, 78}, {8159, 159}, {-8159, 31},
    {32767, 0x80}, {-32768, 0x00}, {-31611, 0x01},
  };
  for (auto & e : encode)
    g_assert_cmpint (mulaw_encode (e.linear), ==, e.code);

  /* Every 16-bit sample encodes as ITU-T G.191's ulaw_compress does
   * (written out here as in G.191; the library uses a table). */
  for (int x = -32768; x <= 32767; x++) {
    int absno = (x < 0 ? ((~x) >> 2) : (x >> 2)) + 33;
    if (absno > 0x1FFF)
      absno = 0x1FFF;
    int segno = 1;
    for (int i = absno >> 6; i != 0; i >>= 1)
      segno++;
    int code = ((0x8 - segno) << 4) | (0xF - ((absno >> segno) & 0xF));
    if (x >= 0)
      code |= 0x80;
    if (mulaw_encode ((int16_t) x) != code)
      g_error ("mulaw_encode (%d) = 0x%02x, G.191 says 0x%02x", x,
          mulaw_encode ((int16_t) x), code);
  }

  /* Every code survives decode → encode. */
  for (int c = 0; c < 256; c++) {
    uint8_t back = mulaw_encode (mulaw_decode ((uint8_t) c));
    /* 0x7F (-0) and 0xFF (+0) both decode to 0. */
    if (c == 0x7F)
      g_assert_cmpint (back, ==, 0xFF);
    else
      g_assert_cmpint (back, ==, c);
  }

  /* Block versions agree with the scalar ones. */
  std::vector<int16_t> pcm (1000);
  for (size_t i = 0; i < pcm.size (); i++)
    pcm[i] = (int16_t) (i * 65 - 32768);
  std::vector<uint8_t> codes (pcm.size ());
  mulaw_encode_block (pcm.data (), pcm.size (), codes.data ());
  std::vector<int16_t> back (pcm.size ());
  mulaw_decode_block (codes.data (), codes.size (), back.data ());
  for (size_t i = 0; i < pcm.size (); i++) {
    g_assert_cmpint (codes[i], ==, mulaw_encode (pcm[i]));
    g_assert_cmpint (back[i], ==, mulaw_decode (codes[i]));
  }
}

/* ---------------- base64 ---------------- */

static void
test_base64 ()
{
  uint8_t out[64];
  auto dec = [&](const char *s) {
    return base64_decode (s, strlen (s), out);
  };
  g_assert_cmpint (dec ("aGVsbG8="), ==, 5);
  g_assert_cmpmem (out, 5, "hello", 5);
  g_assert_cmpint (dec ("aGVsbG8"), ==, 5);     /* unpadded */
  g_assert_cmpint (dec ("aGk="), ==, 2);
  g_assert_cmpint (dec ("aGk"), ==, 2);
  g_assert_cmpint (dec ("+/+/"), ==, 3);
  g_assert_cmpint (dec (""), ==, 0);
  /* Invalid: characters outside the alphabet, whitespace, misplaced or
   * excess padding, impossible lengths, URL-safe alphabet. */
  for (const char *bad : {"a", "aGVsbG8==", "aG=k", "aGVs bG8=", "aGVs\nbG8=",
          "!!!!", "a===", "====", "-_-_", "aGVsbG8=aGk=", "aGVsbG"}) {
    if (strcmp (bad, "aGVsbG") == 0) {
      g_assert_cmpint (dec (bad), ==, 4);       /* 6 chars: valid unpadded */
      continue;
    }
    g_assert_cmpint (dec (bad), ==, -1);
  }

  std::string enc;
  base64_encode_append ((const uint8_t *) "hello", 5, enc);
  g_assert_cmpstr (enc.c_str (), ==, "aGVsbG8=");
  /* Round trip every length and byte value. */
  std::vector<uint8_t> data (300);
  for (size_t i = 0; i < data.size (); i++)
    data[i] = (uint8_t) (i * 7);
  for (size_t len = 0; len < data.size (); len++) {
    std::string e;
    base64_encode_append (data.data (), len, e);
    gchar *glib = g_base64_encode (data.data (), len);
    g_assert_cmpstr (e.c_str (), ==, glib);
    g_free (glib);
    std::vector<uint8_t> d (base64_decoded_max (e.size ()));
    g_assert_cmpint (base64_decode (e.data (), e.size (), d.data ()), ==,
        (long) len);
    g_assert_cmpmem (d.data (), len, data.data (), len);
  }
}

/* ---------------- protocol ---------------- */

static ClientMessage
parse (GstSessionDialect d, const std::string & s)
{
  return parse_client_message (d, s.data (), s.size ());
}

static void
test_protocol_fastrtc ()
{
  const auto F = GST_SESSION_DIALECT_FASTRTC;
  auto m = parse (F, "{\"event\":\"start\",\"websocket_id\":\"k3j4h5\"}");
  g_assert_true (m.kind == MessageKind::start);
  g_assert_cmpstr (m.session_id.c_str (), ==, "k3j4h5");

  m = parse (F, "{\"event\":\"media\",\"media\":{\"payload\":\"AAEC/w==\"}}");
  g_assert_true (m.kind == MessageKind::media);
  g_assert_cmpuint (m.payload.size (), ==, 4);
  g_assert_cmpint (m.payload[3], ==, 0xFF);

  g_assert_true (parse (F, "{\"event\":\"ping\"}").kind == MessageKind::ping);
  g_assert_true (parse (F, "{\"event\":\"stop\"}").kind == MessageKind::stop);
  /* Application messages and unknown events go to the application. */
  g_assert_true (parse (F, "{\"type\":\"send_input\",\"data\":{\"x\":1}}").kind
      == MessageKind::application);
  g_assert_true (parse (F, "{\"event\":\"custom\",\"x\":1}").kind ==
      MessageKind::application);
  /* Twilio-only events are application messages in the FastRTC dialect. */
  g_assert_true (parse (F, "{\"event\":\"dtmf\",\"dtmf\":{\"digit\":\"1\"}}").
      kind == MessageKind::application);
}

/* The binary media extension's opt-in, in both dialects. */
static void
test_protocol_binary_media ()
{
  for (auto d : {GST_SESSION_DIALECT_FASTRTC, GST_SESSION_DIALECT_TWILIO}) {
    auto m = parse (d, "{\"event\":\"binary_media\"}");
    g_assert_true (m.kind == MessageKind::binary_media);
    g_assert_true (m.encoding == Encoding::mulaw);
    m = parse (d, "{\"event\":\"binary_media\",\"encoding\":\"s16le\"}");
    g_assert_true (m.kind == MessageKind::binary_media);
    g_assert_true (m.encoding == Encoding::s16le);
    m = parse (d, "{\"event\":\"binary_media\",\"encoding\":\"mulaw\"}");
    g_assert_true (m.encoding == Encoding::mulaw);
    g_assert_true (is_error (parse (d, "{\"event\":\"binary_media\","
                "\"encoding\":\"S16LE\"}"), error::unsupported_media_format));
    g_assert_true (is_error (parse (d, "{\"event\":\"binary_media\","
                "\"encoding\":null}"), error::invalid_message));
  }
  assert_str_eq (binary_media_message (Encoding::s16le, 48000, 24000),
      "{\"event\":\"binary_media\",\"encoding\":\"s16le\",\"input_rate\":"
      "48000,\"output_rate\":24000}");
}

static void
test_protocol_twilio ()
{
  const auto T = GST_SESSION_DIALECT_TWILIO;
  g_assert_true (parse (T, "{\"event\":\"connected\",\"protocol\":\"Call\","
          "\"version\":\"1.0.0\"}").kind == MessageKind::connected);

  auto m = parse (T, test::twilio_start ("MZ1",
          "{\"caller\":\"+1555\",\"n\":3,\"bad key!\":true}"));
  g_assert_true (m.kind == MessageKind::start);
  g_assert_cmpstr (m.session_id.c_str (), ==, "MZ1");
  g_assert_cmpint (m.sample_rate, ==, 8000);
  g_assert_true (m.encoding == Encoding::mulaw);
  const GstStructure *md = m.metadata.get ();
  g_assert_cmpstr (gst_structure_get_string (md, "callSid"), ==, "CA456");
  g_assert_cmpstr (gst_structure_get_string (md, "accountSid"), ==, "AC123");
  g_assert_cmpstr (gst_structure_get_string (md, "streamSid"), ==, "MZ1");
  const GValue *tracks = gst_structure_get_value (md, "tracks");
  g_assert_cmpuint (gst_value_array_get_size (tracks), ==, 1);
  g_assert_cmpstr (g_value_get_string (gst_value_array_get_value (tracks, 0)),
      ==, "inbound");
  const GstStructure *fmt = gst_value_get_structure (gst_structure_get_value
      (md, "mediaFormat"));
  g_assert_cmpstr (gst_structure_get_string (fmt, "encoding"), ==,
      "audio/x-mulaw");
  const GstStructure *custom = gst_value_get_structure
      (gst_structure_get_value (md, "customParameters"));
  g_assert_cmpstr (gst_structure_get_string (custom, "caller"), ==, "+1555");
  gint64 n = 0;
  g_assert_true (gst_structure_get_int64 (custom, "n", &n));
  g_assert_cmpint (n, ==, 3);
  gboolean b = FALSE;
  g_assert_true (gst_structure_get_boolean (custom, "bad_key_", &b));

  /* The id may come only inside "start". */
  m = parse (T, "{\"event\":\"start\",\"start\":{\"streamSid\":\"MZ9\"}}");
  g_assert_cmpstr (m.session_id.c_str (), ==, "MZ9");

  /* Twilio's string-typed numbers in media. */
  m = parse (T, test::twilio_media ("MZ1", 3, std::string (160, '\xff')));
  g_assert_true (m.kind == MessageKind::media);
  g_assert_cmpuint (m.payload.size (), ==, 160);

  m = parse (T, "{\"event\":\"dtmf\",\"streamSid\":\"MZ1\",\"sequenceNumber\":"
      "\"5\",\"dtmf\":{\"track\":\"inbound_track\",\"digit\":\"1\"}}");
  g_assert_true (m.kind == MessageKind::dtmf);
  g_assert_cmpstr (m.text.c_str (), ==, "1");

  m = parse (T, "{\"event\":\"mark\",\"sequenceNumber\":\"4\",\"streamSid\":"
      "\"MZ1\",\"mark\":{\"name\":\"greeting\"}}");
  g_assert_true (m.kind == MessageKind::mark);
  g_assert_cmpstr (m.text.c_str (), ==, "greeting");

  m = parse (T, "{\"event\":\"stop\",\"sequenceNumber\":\"9\",\"streamSid\":"
      "\"MZ1\",\"stop\":{\"accountSid\":\"AC1\",\"callSid\":\"CA1\"}}");
  g_assert_true (m.kind == MessageKind::stop);

  /* mediaFormat checks: L16 accepted, string sampleRate accepted, others
   * refused. */
  m = parse (T, "{\"event\":\"start\",\"streamSid\":\"MZ2\",\"start\":{"
      "\"mediaFormat\":{\"encoding\":\"audio/x-l16\",\"sampleRate\":\"16000\","
      "\"channels\":1}}}");
  g_assert_true (m.kind == MessageKind::start);
  g_assert_true (m.encoding == Encoding::l16);
  g_assert_cmpint (m.sample_rate, ==, 16000);
  for (const char *bad : {"\"encoding\":\"audio/opus\"",
          "\"sampleRate\":4000", "\"channels\":2"}) {
    m = parse (T, std::string ("{\"event\":\"start\",\"streamSid\":\"MZ3\","
            "\"start\":{\"mediaFormat\":{") + bad + "}}}");
    g_assert_cmpstr (m.error, ==, error::unsupported_media_format);
  }
}

static void
test_protocol_errors ()
{
  const auto F = GST_SESSION_DIALECT_FASTRTC;
  const auto T = GST_SESSION_DIALECT_TWILIO;
  const struct
  {
    GstSessionDialect dialect;
    std::string text;
    const char *code;
  } cases[] = {
    {F, "{\"event\":", error::invalid_json},
    {F, "not json", error::invalid_json},
    {F, "", error::invalid_json},
    {F, "[1,2]", error::invalid_message},
    {F, "\"start\"", error::invalid_message},
    {F, "42", error::invalid_message},
    {F, "{}", error::missing_event},
    {F, "{\"websocket_id\":\"a\"}", error::missing_event},
    {F, "{\"event\":5}", error::invalid_message},
    {F, "{\"event\":\"start\"}", error::invalid_session_id},
    {F, "{\"event\":\"start\",\"websocket_id\":\"\"}", error::invalid_session_id},
    {F, "{\"event\":\"start\",\"websocket_id\":7}", error::invalid_session_id},
    {F, "{\"event\":\"start\",\"websocket_id\":\"" + std::string (129, 'x') +
          "\"}", error::invalid_session_id},
    {F, "{\"event\":\"start\",\"websocket_id\":\"a\\u0001b\"}",
          error::invalid_session_id},
    {F, "{\"event\":\"start\",\"websocket_id\":\"a\\nb\"}",
          error::invalid_session_id},
    {T, "{\"event\":\"start\",\"start\":{}}", error::invalid_session_id},
    {F, "{\"event\":\"media\"}", error::invalid_payload},
    {F, "{\"event\":\"media\",\"media\":{}}", error::invalid_payload},
    {F, "{\"event\":\"media\",\"media\":{\"payload\":5}}", error::invalid_payload},
    {F, "{\"event\":\"media\",\"media\":{\"payload\":\"@@@@\"}}",
          error::invalid_payload},
    {F, "{\"event\":\"media\",\"media\":{\"payload\":\"AA A\"}}",
          error::invalid_payload},
    {F, "{\"event\":\"media\",\"media\":{\"payload\":\"\"}}",
          error::empty_payload},
    {F, "{\"event\":\"media\",\"media\":{\"payload\":\"==\"}}",
          error::invalid_payload},
    {T, "{\"event\":\"dtmf\",\"dtmf\":{}}", error::invalid_message},
    {T, "{\"event\":\"mark\",\"mark\":{}}", error::invalid_message},
  };
  for (auto & c : cases) {
    auto m = parse (c.dialect, c.text);
    if (m.kind != MessageKind::invalid || g_strcmp0 (m.error, c.code) != 0)
      g_error ("%s: expected %s, got kind %d error %s", c.text.c_str (),
          c.code, (int) m.kind, m.error ? m.error : "none");
  }
  /* Exactly 128 bytes is fine. */
  g_assert_true (parse (F, "{\"event\":\"start\",\"websocket_id\":\"" +
          std::string (128, 'x') + "\"}").kind == MessageKind::start);
}

/* g_assert_cmpstr on a temporary's c_str () would read freed memory. */
static void
check_eq (const std::string & got, const char *expected)
{
  g_assert_cmpstr (got.c_str (), ==, expected);
}

static void
test_protocol_replies ()
{
  check_eq (failed_reply ("concurrency_limit_reached", 5),
      "{\"status\":\"failed\",\"meta\":{\"error\":"
      "\"concurrency_limit_reached\",\"limit\":5}}");
  check_eq (failed_reply ("connection_already_exists"),
      "{\"status\":\"failed\",\"meta\":{\"error\":"
      "\"connection_already_exists\"}}");
  const uint8_t mu[3] = { 0xFF, 0x7F, 0x00 };
  check_eq (media_message (GST_SESSION_DIALECT_FASTRTC, "x", mu,
          3), "{\"event\":\"media\",\"media\":{\"payload\":"
      "\"/38A\"}}");
  check_eq (media_message (GST_SESSION_DIALECT_TWILIO, "MZ\"1", mu,
          3), "{\"event\":\"media\",\"streamSid\":\"MZ\\\"1\","
      "\"media\":{\"payload\":\"/38A\"}}");
  check_eq (mark_message (GST_SESSION_DIALECT_TWILIO, "MZ1",
          "m"), "{\"event\":\"mark\",\"streamSid\":\"MZ1\","
      "\"mark\":{\"name\":\"m\"}}");
  check_eq (clear_message (GST_SESSION_DIALECT_TWILIO, "MZ1"),
      "{\"event\":\"clear\",\"streamSid\":\"MZ1\"}");
  /* Every reply parses as JSON. */
  for (const std::string & s : {failed_reply ("x", 1), media_message
          (GST_SESSION_DIALECT_TWILIO, "a\\b\x01", mu, 3), pong_message ()}) {
    JsonParser *p = json_parser_new ();
    g_assert_true (json_parser_load_from_data (p, s.c_str (), -1, nullptr));
    g_object_unref (p);
  }
  check_eq (field_name_from_key ("9lives"), "x9lives");
  check_eq (field_name_from_key ("a b"), "a_b");
  check_eq (field_name_from_key (""), "x");
}


/* The simdjson fast path answers exactly like the json-glib reference:
 * every valid message of PROTOCOLS.md and thousands of mutations of them
 * (every truncation, byte substitutions, deletions). They may differ only
 * where the fast path rejects as invalid JSON what a strict validator finds
 * is not JSON. */
static void
test_protocol_fast_path_agrees ()
{
  std::vector<std::pair<GstSessionDialect, std::string>> corpus;
  const auto F = GST_SESSION_DIALECT_FASTRTC;
  const auto T = GST_SESSION_DIALECT_TWILIO;
  const std::string media = "{\"event\":\"media\",\"media\":{\"payload\":"
      "\"AAECAwQFBgcICQ==\"}}";
  const std::string base[] = {
    media, test::twilio_media ("MZ1", 3, std::string (12, '\x7f')),
    test::fastrtc_start ("abc"), "{\"event\":\"ping\"}", "{\"event\":\"stop\"}",
    /* Twilio's start as Twilio sends it (the fast path reads it whole),
     * with a repeated key, numbers in strings, a nested parameter (those
     * go to json-glib). */
    "{\"event\":\"start\",\"sequenceNumber\":\"1\",\"start\":{\"accountSid\":"
        "\"AC1\",\"streamSid\":\"MZ9\",\"callSid\":\"CA1\",\"tracks\":"
        "[\"inbound\"],\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
        "\"sampleRate\":8000,\"channels\":1},\"customParameters\":"
        "{\"room\":\"7\",\"9x\":\"y\"}},\"streamSid\":\"MZ9\"}",
    "{\"event\":\"start\",\"start\":{\"streamSid\":\"MZ8\",\"mediaFormat\":"
        "{\"encoding\":\"audio/x-l16\",\"sampleRate\":\"16000\"},"
        "\"customParameters\":{\"a\":{\"b\":[1,2.5]},\"a\":true}}}",
    "{\"type\":\"send_input\",\"data\":[1,2]}",
    "{\"event\":\"dtmf\",\"dtmf\":{\"digit\":\"5\"}}",
    "{\"event\":\"mark\",\"mark\":{\"name\":\"m\"}}",
    "{\"event\":\"binary_media\",\"encoding\":\"s16le\"}",
    /* As Python's json.dumps writes them, and pretty-printed. */
    "{\"event\": \"media\", \"media\": {\"payload\": \"AAECAwQFBgcICQ==\"}}",
    "{\"event\": \"start\", \"websocket_id\": \"a b\"}",
    "{\n\t\"event\" : \"mark\",\r\n  \"mark\" : { \"name\" : \"m 1\" }\n}\n",
    " [ 1 , 2 ] ",
  };
  const char subst[] = { '"', '{', '}', ',', ':', 'x', '\\', ' ', '\0',
    (char) 0xff, '[', '0'
  };
  for (const std::string & b : base) {
    for (auto d : {F, T}) {
      corpus.emplace_back (d, b);
      for (size_t i = 0; i <= b.size (); i++)
        corpus.emplace_back (d, b.substr (0, i));
      for (size_t i = 0; i < b.size (); i++) {
        std::string del = b;
        del.erase (i, 1);
        corpus.emplace_back (d, del);
        for (char c : subst) {
          std::string m = b;
          m[i] = c;
          corpus.emplace_back (d, m);
        }
      }
    }
  }
  for (const char *ok : {"{}", "[1,-2.5e+3,0]", " \"a\\u00e9\\/\" ", "null",
          "{\"a\":[true,false,{}]}"})
    g_assert_true (StrictJson::valid (ok));
  for (const char *bad : {"{\"a\":01}", "\"\\v\"", "\"\x01\"", "{,}", "[1,]",
          "\"\xff\"", "{\"a\" 1}", "[1] x", "1.", "\"\\u12\"", ""})
    g_assert_false (StrictJson::valid (bad));
  size_t valid = 0, stricter = 0;
  for (auto &[dialect, text] : corpus) {
    auto fast = parse_client_message (dialect, text.data (), text.size ());
    auto ref = parse_client_message_json_glib (dialect, text.data (),
        text.size ());
    bool same = fast.kind == ref.kind && g_strcmp0 (fast.error,
        ref.error) == 0 && fast.payload == ref.payload &&
        fast.session_id == ref.session_id && fast.text == ref.text &&
        fast.sample_rate == ref.sample_rate &&
        fast.encoding == ref.encoding && !fast.metadata == !ref.metadata &&
        (!fast.metadata || gst_structure_is_equal (fast.metadata.get (),
            ref.metadata.get ()));
    const bool json = StrictJson::valid (text);
    valid += json;
    if (same)
      continue;
    /* Allowed: simdjson rejects what json-glib's lenient scanner lets
     * through (escapes like \v, control characters in strings, ...), and
     * only when it is indeed not JSON. */
    if (!json && is_error (fast, error::invalid_json) &&
        !is_error (ref, error::invalid_json)) {
      stricter++;
      if (g_getenv ("SHOW_STRICTER")) {
        gchar *shown = g_strescape (text.c_str (), nullptr);
        g_printerr ("stricter: %s\n", shown);
        g_free (shown);
      }
      continue;
    }
    gchar *shown = g_strescape (text.c_str (), nullptr);
    g_error ("disagree on %s \"%s\": fast kind %d %s, json-glib kind %d %s",
        json ? "valid JSON" : "invalid JSON", shown, (int) fast.kind,
        fast.error ? fast.error : "-", (int) ref.kind,
        ref.error ? ref.error : "-");
  }
  g_test_message ("%zu messages, %zu of them valid JSON: all answered alike "
      "but %zu (not JSON) rejected as invalid JSON by the fast path only",
      corpus.size (), valid, stricter);
  /* Every base message is valid JSON (and so was answered alike), and so
   * are many mutations of them. */
  for (const std::string & b : base)
    g_assert_true (StrictJson::valid (b));
  g_assert_cmpuint (valid, >, corpus.size () / 10);
}

/* Inputs tests/fuzz found (tests/fuzz/corpus/messages/crash-*). */
static void
test_protocol_fuzz_regressions ()
{
  const auto F = GST_SESSION_DIALECT_FASTRTC;
  const auto T = GST_SESSION_DIALECT_TWILIO;
  auto both = [](GstSessionDialect d, const std::string & s) {
    return std::make_pair (parse_client_message (d, s.data (), s.size ()),
        parse_client_message_json_glib (d, s.data (), s.size ()));
  };
  /* An escaped U+0000: json-glib cut the string there (the payload below
   * decoded to its first 168 characters, the id "a\u0000b" read as "a",
   * past the check for control characters) where simdjson kept it whole.
   * Both paths refuse it now. */
  const std::string nul_payload = "{\"event\":\"media\",\"media\":"
      "{\"payload\":\"" + std::string (168, '/') + "\\u0000" +
      std::string (62, '/') + "w==\"}}";
  for (const std::string & text : {nul_payload,
          std::string ("{\"event\":\"start\",\"websocket_id\":\"a\\u0000b\"}"),
          std::string ("{\"type\":\"x\",\"data\":[\"\\\\\\u0000\"]}")}) {
    for (auto d : {F, T}) {
      auto[fast, ref] = both (d, text);
      g_assert_cmpstr (fast.error, ==, error::invalid_message);
      g_assert_cmpstr (ref.error, ==, error::invalid_message);
    }
  }
  /* An escaped backslash before "u0000" is no U+0000. */
  auto[fast, ref] = both (F,
      "{\"event\":\"start\",\"websocket_id\":\"a\\\\u0000b\"}");
  g_assert_true (fast.kind == MessageKind::start);
  assert_str_eq (fast.session_id, "a\\u0000b");
  assert_str_eq (ref.session_id, "a\\u0000b");
  const char *body = "{\"type\":\"offer\",\"webrtc_id\":\"a\\u0000b\","
      "\"sdp\":\"v=0\"}";
  SignalRequest r = parse_signal_request (body, strlen (body));
  g_assert_true (r.kind == SignalKind::invalid);
  g_assert_cmpint (r.http_status, ==, 400);
  g_assert_cmpstr (r.error, ==, error::invalid_message);

  /* A repeated key: the last one counts on both paths (simdjson's []
   * found the first, json-glib keeps the last). */
  for (auto d : {F, T}) {
    std::tie (fast, ref) = both (d, "{\"event\":\"media\",\"media\":"
        "{\"payload\":\"AAAA\",\"chunk\":\"3\",\"payload\":\"AQID\"}}");
    for (auto *m : {&fast, &ref}) {
      g_assert_true (m->kind == MessageKind::media);
      g_assert_cmpuint (m->payload.size (), ==, 3);
      g_assert_cmpint (m->payload[2], ==, 3);
    }
    std::tie (fast, ref) = both (d, "{\"event\":\"start\",\"event\":"
        "\"media\",\"media\":{\"payload\":\"AQID\"},\"media\":5}");
    g_assert_cmpstr (fast.error, ==, error::invalid_payload);
    g_assert_cmpstr (ref.error, ==, error::invalid_payload);
    std::tie (fast, ref) = both (d, "{\"event\":\"media\",\"event\":"
        "\"ping\",\"media\":{\"payload\":\"AQID\"}}");
    g_assert_true (fast.kind == MessageKind::ping);
    g_assert_true (ref.kind == MessageKind::ping);
  }

  /* A number beyond 64 bits is JSON, but more than simdjson holds (RFC
   * 8259 §9 lets a parser limit the range): the fast path refuses it as
   * invalid JSON; json-glib reads it. */
  std::tie (fast, ref) = both (F, "{\"event\":\"start\",\"websocket_id\":"
      "\"x\",\"n\":18446744073709551616}");
  g_assert_cmpstr (fast.error, ==, error::invalid_json);
  g_assert_true (ref.kind == MessageKind::start);
  /* A lone escaped surrogate is not Unicode text: simdjson refuses it,
   * and the strict validator too (json-glib makes a string of it that is
   * not UTF-8, so it never sees it: signalling bodies too are checked by
   * simdjson first now). */
  const char *lone = "{\"event\":\"start\",\"start\":"
      "{\"streamSid\":\"d\\ude00aMZ9\"}}";
  fast = parse_client_message (T, lone, strlen (lone));
  g_assert_cmpstr (fast.error, ==, error::invalid_json);
  for (const char *bad : {"{\"type\":\"offer\",\"webrtc_id\":\"\\ud800\","
          "\"sdp\":\"v=0\"}", "{\"type\":\"offer\",\"webrtc_id\":\"\xff\","
          "\"sdp\":\"v=0\"}"}) {
    r = parse_signal_request (bad, strlen (bad));
    g_assert_cmpint (r.http_status, ==, 400);
    g_assert_cmpstr (r.error, ==, error::invalid_json);
  }
  g_assert_false (StrictJson::valid ("\"\\ude00\""));
  g_assert_false (StrictJson::valid ("\"\\ud83d\""));
  g_assert_false (StrictJson::valid ("\"\\ud83d\\u0041\""));
  g_assert_true (StrictJson::valid ("\"\\ud83d\\ude00\""));
}


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

/* The Prometheus text: label escaping, cumulative histogram buckets, the
 * error-code series, ends by reason, the gauge back to 0. */
static void
test_metrics_text ()
{
  using sessionctx::Metrics;
  assert_str_eq (sessionctx::prometheus_escape_label ("a\"b\\c\nd"),
      "a\\\"b\\\\c\\nd");
  Metrics m;
  m.websocket_handshake.observe (0.0003);
  m.websocket_handshake.observe (0.002);
  m.websocket_handshake.observe (30);
  m.protocol_error ("invalid_json");
  m.protocol_error ("invalid_json");
  m.session_started (GST_SESSION_TRANSPORT_WEBSOCKET,
      GST_SESSION_DIALECT_TWILIO);
  m.frame_received (160);
  m.frame_sent (160);
  m.frames_dropped (3);
  std::string text = m.render ();
  auto has = [&](const char *line) {
    return text.find (std::string ("\n") + line + "\n") != std::string::npos;
  };
  g_assert_true (has ("sessionctx_websocket_handshake_seconds_bucket"
          "{le=\"0.0005\"} 1"));
  g_assert_true (has ("sessionctx_websocket_handshake_seconds_bucket"
          "{le=\"0.0025\"} 2"));
  g_assert_true (has ("sessionctx_websocket_handshake_seconds_bucket"
          "{le=\"2.5\"} 2"));
  g_assert_true (has ("sessionctx_websocket_handshake_seconds_bucket"
          "{le=\"+Inf\"} 3"));
  g_assert_true (has ("sessionctx_websocket_handshake_seconds_count 3"));
  g_assert_true (has ("sessionctx_protocol_errors_total"
          "{code=\"invalid_json\"} 2"));
  g_assert_true (has ("sessionctx_sessions{transport=\"websocket\","
          "dialect=\"twilio\"} 1"));
  g_assert_true (has ("sessionctx_frames_dropped_total 3"));
  g_assert_true (has ("# TYPE sessionctx_webrtc_setup_seconds histogram"));
  m.session_ended (GST_SESSION_TRANSPORT_WEBSOCKET,
      GST_SESSION_DIALECT_TWILIO, GST_SESSION_END_REASON_IDLE, true);
  text = m.render ();
  g_assert_true (has ("sessionctx_sessions{transport=\"websocket\","
          "dialect=\"twilio\"} 0"));
  g_assert_true (has ("sessionctx_sessions_ended_total{reason=\"idle\"} 1"));
  Metrics::Totals t = m.totals ();
  g_assert_cmpuint (t.frames_received, ==, 1);
  g_assert_cmpuint (t.bytes_sent, ==, 160);
  g_assert_cmpuint (t.protocol_errors, ==, 2);
  g_assert_cmpuint (t.sessions_ended, ==, 1);
  g_assert_true (text.back () == '\n');
}

/* Client-sent text in a log line: printable ASCII kept, newlines, escapes
 * and other encodings' bytes written as \xNN, the length bounded. */
static void
test_log_safe (void)
{
  using sessionctx::log_safe;
  /* Kept in variables: g_assert_cmpstr keeps the pointers it is given
   * past the end of the statement that made a temporary. */
  std::string plain = log_safe (std::string ("caller-42_A"));
  g_assert_cmpstr (plain.c_str (), ==, "caller-42_A");
  std::string lines = log_safe (std::string ("a\nFAKE line\r\x1b[31m"));
  g_assert_cmpstr (lines.c_str (), ==, "a\\x0aFAKE line\\x0d\\x1b[31m");
  std::string other = log_safe (std::string ("\xc3\xa9\\"));
  g_assert_cmpstr (other.c_str (), ==, "\\xc3\\xa9\\x5c");
  const char nul[] = { 'a', '\0', 'b' };
  std::string with_nul = log_safe (nul, 3);
  g_assert_cmpstr (with_nul.c_str (), ==, "a\\x00b");
  std::string null_text = log_safe ((const char *) nullptr);
  g_assert_cmpstr (null_text.c_str (), ==, "(null)");
  std::string huge (100000, 'x');
  std::string out = log_safe (huge);
  g_assert_cmpuint (out.size (), ==, sessionctx::kLogSafeMax + 3);
  g_assert_true (g_str_has_suffix (out.c_str (), "..."));
  std::string ctl (100000, '\n');
  g_assert_cmpuint (log_safe (ctl).size (), <=, sessionctx::kLogSafeMax + 6);
}

/* access.h: the decisions, from what a request says. */
static void
test_access_rules ()
{
  const std::string token = "abc123";
  g_assert_true (token_equal ("abc123", 6, token));
  g_assert_false (token_equal ("abc12", 5, token));
  g_assert_false (token_equal ("abc1234", 7, token));
  g_assert_false (token_equal ("abc124", 6, token));
  g_assert_false (token_equal ("", 0, ""));     /* no token never matches */

  auto list = split_list (" a, ,b ,c,");
  g_assert_cmpuint (list.size (), ==, 3);
  assert_str_eq (list[1], "b");

  std::vector<std::string> trusted { "10.0.0.1", "10.0.0.2" };
  /* Untrusted peer: the header is ignored. */
  assert_str_eq (resolve_client_address ("1.2.3.4", "5.6.7.8", trusted),
      "1.2.3.4");
  /* Right-most untrusted entry; trusted hops skipped; spoofed left part
   * ignored. */
  assert_str_eq (resolve_client_address ("10.0.0.1", "9.9.9.9, 5.6.7.8, "
          "10.0.0.2", trusted), "5.6.7.8");
  assert_str_eq (resolve_client_address ("10.0.0.1", "[2001:db8::1]:443",
          trusted), "2001:db8::1");
  assert_str_eq (resolve_client_address ("10.0.0.1", "5.6.7.8:1234",
          trusted), "5.6.7.8");
  /* Garbage: the hop that wrote it is the client as far as we know. */
  assert_str_eq (resolve_client_address ("10.0.0.1", "5.6.7.8, <script>, "
          "10.0.0.2", trusted), "10.0.0.2");
  assert_str_eq (resolve_client_address ("10.0.0.1", "10.0.0.2", trusted),
      "10.0.0.2");
  assert_str_eq (resolve_client_address ("10.0.0.1", nullptr, trusted),
      "10.0.0.1");

  ServerConfig c;
  c.auth_token = token;
  c.allowed_origins = "https://a.example, http://b.example:8080";
  c.trusted_proxies = "10.0.0.1, not-an-ip";
  Access a (c);
  using V = Access::Verdict;
  g_assert_true (a.check (nullptr, nullptr, nullptr) == V::unauthorized);
  g_assert_true (a.check ("Bearer abc123", nullptr, nullptr) == V::allowed);
  g_assert_true (a.check ("bearer abc123 ", nullptr, nullptr) == V::allowed);
  g_assert_true (a.check ("Basic abc123", nullptr, nullptr) ==
      V::unauthorized);
  g_assert_true (a.check (nullptr, "x=1&token=abc123", nullptr) ==
      V::allowed);
  g_assert_true (a.check (nullptr, "token=abc%31%32%33", nullptr) ==
      V::allowed);
  g_assert_true (a.check (nullptr, "token=abc12", nullptr) ==
      V::unauthorized);
  g_assert_true (a.check ("Bearer abc123", nullptr, "https://evil.example")
      == V::forbidden_origin);
  g_assert_true (a.check ("Bearer abc123", nullptr, "HTTPS://A.example") ==
      V::allowed);
  /* A preflight carries no credentials, but its origin still counts. */
  g_assert_true (a.check (nullptr, nullptr, "http://b.example:8080", true)
      == V::allowed);
  g_assert_true (a.check (nullptr, nullptr, "http://b.example", true) ==
      V::forbidden_origin);
  std::string allow;
  g_assert_true (a.cors_origin ("http://b.example:8080", &allow));
  assert_str_eq (allow, "http://b.example:8080");
  g_assert_false (a.cors_origin ("http://c.example", &allow));
  g_assert_false (a.cors_origin (nullptr, &allow));
  g_assert_true (a.forwarding_trusted ("10.0.0.1"));
  g_assert_false (a.forwarding_trusted ("10.0.0.2"));

  Access open ((ServerConfig ()));
  g_assert_true (open.check (nullptr, nullptr, "https://any.example") ==
      V::allowed);
  g_assert_true (open.cors_origin (nullptr, &allow));
  assert_str_eq (allow, "*");

  AddressCounter n;
  g_assert_true (n.acquire ("1.1.1.1", 2));
  g_assert_true (n.acquire ("1.1.1.1", 2));
  g_assert_false (n.acquire ("1.1.1.1", 2));
  g_assert_true (n.acquire ("2.2.2.2", 2));
  n.release ("1.1.1.1");
  g_assert_cmpuint (n.count ("1.1.1.1"), ==, 1);
  g_assert_true (n.acquire ("1.1.1.1", 2));
  n.release ("9.9.9.9");        /* never counted: no effect */
  g_assert_cmpuint (n.count ("9.9.9.9"), ==, 0);
}

/* Client-chosen field names (customParameters keys) become GQuarks, which
 * are never freed: past a budget, names that are not quarks already are left
 * out, so a stream of invented names cannot grow the process. */
static void
test_protocol_field_name_budget ()
{
  const auto T = GST_SESSION_DIALECT_TWILIO;
  const unsigned total = sessionctx::kMaxClientFieldNames + 500;
  unsigned kept = 0;
  for (unsigned i = 0; i < total; i++) {
    std::string key = "budget_" + std::to_string (i);
    auto m = parse (T, "{\"event\":\"start\",\"start\":{\"streamSid\":"
        "\"MZ1\",\"customParameters\":{\"" + key + "\":\"v\","
        "\"caller\":\"+1555\"}}}");
    g_assert_null (m.error);
    const GstStructure *custom = gst_value_get_structure
        (gst_structure_get_value (m.metadata.get (), "customParameters"));
    /* A name that is a quark already is always kept. */
    g_assert_cmpstr (gst_structure_get_string (custom, "caller"), ==, "+1555");
    /* Not gst_structure_has_field (): it would make the quark. */
    for (int f = 0; f < gst_structure_n_fields (custom); f++)
      if (key == gst_structure_nth_field_name (custom, f))
        kept++;
  }
  /* "caller" may have been new too: one of the budget. */
  g_assert_cmpuint (kept, >=, sessionctx::kMaxClientFieldNames - 1);
  g_assert_cmpuint (kept, <=, sessionctx::kMaxClientFieldNames);
  g_assert_cmpuint (sessionctx::field_names_refused (), >=, 500);
  /* The names left out were never made quarks. */
  std::string last = "budget_" + std::to_string (total - 1);
  g_assert_cmpuint (g_quark_try_string (last.c_str ()), ==, 0);
  /* A long name is refused even within the budget's room. */
  std::string long_key (sessionctx::kMaxClientFieldNameLength + 1, 'k');
  g_assert_false (sessionctx::admit_field_name (long_key));
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/context/fields", test_context_fields);
  g_test_add_func ("/access/rules", test_access_rules);
  g_test_add_func ("/context/rejects-empty-id", test_context_rejects_empty_id);
  g_test_add_func ("/meta/add-get", test_meta_add_get);
  g_test_add_func ("/event-message/roundtrip", test_events_and_messages);
  g_test_add_func ("/meta/through/audioconvert", test_meta_survival);
  g_test_add_func ("/meta/through/audioresample", test_meta_survival);
  g_test_add_func ("/meta/through/queue", test_meta_survival);
  g_test_add_func ("/meta/through/tee", test_meta_survival);
  g_test_add_func ("/meta/through/identity", test_meta_survival);
  g_test_add_func ("/meta/through/opus", test_meta_survival);
  g_test_add_func ("/meta/through/mulaw", test_meta_survival);
  g_test_add_func ("/meta/through/rtp-opus", test_meta_survival);
  g_test_add_func ("/meta/through/audiomixer", test_meta_survival);
  g_test_add_func ("/mulaw/g711-reference", test_mulaw_reference);
  g_test_add_func ("/log-safe/escapes-and-bounds", test_log_safe);
  g_test_add_func ("/base64/strict", test_base64);
  g_test_add_func ("/protocol/fastrtc", test_protocol_fastrtc);
  g_test_add_func ("/protocol/twilio", test_protocol_twilio);
  g_test_add_func ("/protocol/field-name-budget",
      test_protocol_field_name_budget);
  g_test_add_func ("/protocol/errors", test_protocol_errors);
  g_test_add_func ("/protocol/replies", test_protocol_replies);
  g_test_add_func ("/protocol/binary-media", test_protocol_binary_media);
  g_test_add_func ("/websocket/frames", test_websocket_frames);
  g_test_add_func ("/websocket/frame-errors", test_websocket_frame_errors);
  g_test_add_func ("/protocol/fast-path-agrees",
      test_protocol_fast_path_agrees);
  g_test_add_func ("/protocol/fuzz-regressions",
      test_protocol_fuzz_regressions);
  g_test_add_func ("/metrics/text", test_metrics_text);
  return g_test_run ();
}
