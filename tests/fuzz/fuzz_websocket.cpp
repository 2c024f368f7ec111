/* libFuzzer target: the WebSocket frame reader (src/internal/wire/websocket.h).
 *
 * Input: one byte of settings (the largest message and how the socket
 * splits the stream), then the bytes a client sends. The stream is read
 * twice, as Connection::read does: all at once, and in chunks. Oracles:
 * - every message obeys RFC 6455 as the reader promises (opcode, sizes,
 *   UTF-8 text, close codes), checked here independently;
 * - the messages and the error do not depend on how the stream is split;
 * - a frame whose header says it is complete is always consumed;
 * - ASan/UBSan: no read or write outside the buffer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzzcheck.h"
#include "wire/websocket.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace ws = sessionctx::ws;

namespace {

/* RFC 3629 UTF-8 (U+0000 included), written apart from the reader's. */
bool
valid_utf8 (const std::string & s)
{
  size_t i = 0;
  const auto *p = reinterpret_cast<const unsigned char *> (s.data ());
  while (i < s.size ()) {
    unsigned c = p[i];
    size_t n;
    unsigned min;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      min = 0x10000;
    } else {
      return false;
    }
    if (i + n >= s.size ())
      return false;
    unsigned cp = c & (0x3F >> n);
    for (size_t k = 1; k <= n; k++) {
      if ((p[i + k] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

struct Event
{
  int opcode;
  std::string data;
  int close_code;
  std::string close_reason;
  bool operator== (const Event & o) const
  {
    return opcode == o.opcode && data == o.data && close_code ==
        o.close_code && close_reason == o.close_reason;
  }
};

struct Outcome
{
  std::vector<Event> events;
  int error_code = 0;
};

void
check_message (const ws::Message & m, size_t max_message)
{
  switch (m.opcode) {
    case ws::kText:
      CHECK (valid_utf8 (std::string (m.data)));
      /* fall through */
    case ws::kBinary:
      CHECK (m.data.size () <= max_message);
      break;
    case ws::kClose:
      CHECK (m.close_code == ws::kCloseNoStatus ||
          ws::close_code_is_valid (m.close_code));
      CHECK (m.close_code != ws::kCloseNoStatus || m.data.empty ());
      CHECK (valid_utf8 (std::string (m.close_reason)));
      /* fall through */
    case ws::kPing:
    case ws::kPong:
      CHECK (m.data.size () <= 125);
      break;
    default:
      CHECK (!"unexpected opcode");
  }
}

/* Feeds @stream @chunk bytes at a time into a buffer that keeps what the
 * reader has not consumed, as Connection::read does. */
Outcome
read_stream (const uint8_t * stream, size_t len, size_t chunk,
    size_t max_message)
{
  ws::Reader reader (max_message);
  Outcome out;
  std::vector<uint8_t> buf;
  size_t fed = 0;
  while (fed < len || fed == 0) {
    size_t n = std::min (chunk, len - fed);
    buf.insert (buf.end (), stream + fed, stream + fed + n);
    fed += n;
    while (true) {
      size_t used = SIZE_MAX;
      ws::Message m;
      size_t complete = ws::Reader::frame_size (buf.data (), buf.size ());
      /* A fresh heap copy, exactly as long: ASan sees any overrun. */
      std::vector<uint8_t> exact (buf);
      auto r = reader.next (exact.data (), exact.size (), &used, &m);
      CHECK (used <= buf.size ());
      if (r == ws::Reader::kError) {
        CHECK (reader.error_code () != 0 && reader.error_reason ());
        out.error_code = reader.error_code ();
        /* Once failed, it stays failed. */
        size_t again;
        CHECK (reader.next (exact.data (), exact.size (), &again, &m) ==
            ws::Reader::kError && again == 0);
        return out;
      }
      if (r == ws::Reader::kNeedMore) {
        CHECK (complete == 0 || complete > buf.size () || used > 0);
      } else {
        CHECK (used > 0);
        check_message (m, max_message);
        out.events.push_back ({m.opcode, std::string (m.data), m.close_code,
                std::string (m.close_reason)});
      }
      /* What was consumed goes; the rest stays masked as it came. */
      buf.erase (buf.begin (), buf.begin () + used);
      if (r == ws::Reader::kNeedMore)
        break;
    }
    if (len == 0)
      break;
  }
  return out;
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  if (size < 1)
    return 0;
  static const size_t kLimits[] = { 16, 125, 1024, 65536 };
  const size_t max_message = kLimits[data[0] & 3];
  const size_t chunk = 1 + (data[0] >> 2);    /* 1..64 bytes per read */
  data++;
  size--;

  Outcome whole = read_stream (data, size, size ? size : 1, max_message);
  Outcome split = read_stream (data, size, chunk, max_message);
  CHECK (whole.error_code == split.error_code);
  CHECK (whole.events.size () == split.events.size ());
  for (size_t i = 0; i < whole.events.size (); i++)
    CHECK (whole.events[i] == split.events[i]);
  return 0;
}
