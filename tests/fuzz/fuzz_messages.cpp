/* libFuzzer target: the client message parser (src/internal/wire/protocol.h),
 * both dialects, and what the server builds from what it parsed.
 *
 * Input: one byte (bit 0: FastRTC or Twilio), then one text frame.
 * Oracles:
 * - the simdjson fast path answers as the json-glib reference
 *   (parse_client_message_json_glib) does — kind, error, session id,
 *   payload, text, encoding, rate, metadata — except where it rejects as
 *   invalid JSON what a strict RFC 8259 validator finds is not JSON (as
 *   /protocol/fast-path-agrees in tests/unit/protocol.cpp) or a number
 *   simdjson cannot hold (beyond 64 bits);
 * - invalid ⇔ an error code; a start has a valid session id, a media
 *   message a payload, a rate within 8000..48000;
 * - from valid JSON, every reply the server writes with the client's
 *   strings (media, mark, failed) is valid JSON again;
 * - a media payload decodes as µ-law without overrun (the binary media
 *   path reads it the same way).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzzcheck.h"
#include "wire/mulaw.h"
#include "wire/protocol.h"
#include "quarks.h"
#include "strictjson.h"

#include <gst/gst.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace sessionctx;

namespace {

bool
same (const ClientMessage & a, const ClientMessage & b)
{
  if (a.kind != b.kind || g_strcmp0 (a.error, b.error) != 0 ||
      a.payload != b.payload || a.session_id != b.session_id ||
      a.text != b.text || a.sample_rate != b.sample_rate)
    return false;
  if (a.kind != MessageKind::invalid && a.encoding != b.encoding)
    return false;
  if (!a.metadata != !b.metadata)
    return false;
  return !a.metadata || gst_structure_is_equal (a.metadata.get (),
      b.metadata.get ());
}

void
check_invariants (GstSessionDialect dialect, const ClientMessage & m)
{
  CHECK ((m.kind == MessageKind::invalid) == (m.error != nullptr));
  switch (m.kind) {
    case MessageKind::start:
      CHECK (check_session_id (m.session_id) == nullptr);
      CHECK ((dialect == GST_SESSION_DIALECT_TWILIO) == !!m.metadata);
      CHECK (m.sample_rate == 0 || (m.sample_rate >= 8000 &&
              m.sample_rate <= 48000));
      break;
    case MessageKind::media:
      CHECK (!m.payload.empty ());
      break;
    case MessageKind::dtmf:
      CHECK (!m.text.empty ());
      break;
    case MessageKind::binary_media:
      CHECK (m.encoding == Encoding::mulaw || m.encoding == Encoding::s16le);
      break;
    default:
      break;
  }
}

/* What the server sends back with the client's own strings in it. */
void
check_replies (GstSessionDialect dialect, const ClientMessage & m)
{
  if (m.kind == MessageKind::invalid)
    CHECK (StrictJson::valid (failed_reply (m.error)));
  if (m.kind == MessageKind::start) {
    const uint8_t mu[3] = { 0xFF, 0x7F, 0x00 };
    CHECK (StrictJson::valid (media_message (dialect, m.session_id, mu, 3)));
    CHECK (StrictJson::valid (clear_message (dialect, m.session_id)));
  }
  if (m.kind == MessageKind::mark)
    CHECK (StrictJson::valid (mark_message (dialect, "MZ1", m.text)));
}

}  // namespace

extern "C" int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* No plugin is needed: no registry scan (and none of its leaks). */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", FALSE);
  fuzz_gst_init (argc, argv);
  /* Types and quarks GStreamer registers on first use, before counting
   * leaks. */
  const char *warm = "{\"event\":\"start\",\"streamSid\":\"MZ\",\"start\":"
      "{\"tracks\":[\"inbound\"],\"mediaFormat\":{\"encoding\":"
      "\"audio/x-mulaw\"},\"customParameters\":{\"a\":1}}}";
  parse_client_message (GST_SESSION_DIALECT_TWILIO, warm, strlen (warm));
  return 0;
}

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  if (size < 1)
    return 0;
  const GstSessionDialect dialect = (data[0] & 1) ?
      GST_SESSION_DIALECT_TWILIO : GST_SESSION_DIALECT_FASTRTC;
  /* Exactly as long on the heap: ASan sees a read past the frame. */
  std::vector<char> text (data + 1, data + size);
  const char *p = text.empty () ? "" : text.data ();

  ClientMessage fast = parse_client_message (dialect, p, text.size ());
  ClientMessage ref = parse_client_message_json_glib (dialect, p,
      text.size ());
  check_invariants (dialect, fast);
  check_invariants (dialect, ref);

  const std::string s (text.begin (), text.end ());
  const bool json = StrictJson::valid (s);
  if (!same (fast, ref)) {
    /* Allowed: simdjson refuses what json-glib's lenient scanner lets
     * through, and only when it is indeed not JSON; and numbers beyond
     * 64 bits (RFC 8259 §9 lets a parser limit their range; simdjson
     * does, json-glib reads them as it can). */
    const bool refused = is_error (fast, error::invalid_json) &&
        !is_error (ref, error::invalid_json);
    const bool stricter = refused && (!json || fast.detail ==
        "malformed JSON: Problem while parsing a number");
    if (!stricter) {
      fprintf (stderr, "fast path and json-glib disagree on %s: "
          "fast kind %d %s, json-glib kind %d %s\n",
          json ? "valid JSON" : "invalid JSON", (int) fast.kind,
          fast.error ? fast.error : "-", (int) ref.kind,
          ref.error ? ref.error : "-");
      abort ();
    }
  }
  if (json)
    check_replies (dialect, fast);

  if (fast.kind == MessageKind::media) {
    std::vector<int16_t> pcm (fast.payload.size ());
    mulaw_decode_block (fast.payload.data (), fast.payload.size (),
        pcm.data ());
  }
  return 0;
}
