/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "wire/websocket.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace sessionctx {
namespace ws {
namespace {

constexpr size_t kMaxControlPayload = 125;

void
unmask (uint8_t * p, size_t len, const uint8_t key[4])
{
  uint32_t k32;
  memcpy (&k32, key, 4);
  uint64_t k64 = ((uint64_t) k32 << 32) | k32;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t v;
    memcpy (&v, p + i, 8);
    v ^= k64;
    memcpy (p + i, &v, 8);
  }
  for (; i < len; i++)
    p[i] ^= key[i & 3];
}

/* RFC 3629 UTF-8, U+0000 included (g_utf8_validate_len refuses NUL,
 * which is valid UTF-8); SIMD, several times faster. */
bool
is_utf8 (std::string_view s)
{
  return simdjson::validate_utf8 (s.data (), s.size ());
}

}  // namespace

size_t
frame_header (uint8_t op, size_t len, uint8_t out[kMaxHeader])
{
  out[0] = 0x80 | op;
  if (len < 126) {
    out[1] = (uint8_t) len;
    return 2;
  }
  if (len <= 0xFFFF) {
    out[1] = 126;
    out[2] = (uint8_t) (len >> 8);
    out[3] = (uint8_t) len;
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; i++)
    out[2 + i] = (uint8_t) ((uint64_t) len >> (56 - 8 * i));
  return 10;
}

void
append_frame (std::string & out, uint8_t op, const void *data, size_t len)
{
  uint8_t header[kMaxHeader];
  size_t n = frame_header (op, len, header);
  out.append (reinterpret_cast<const char *> (header), n);
  out.append (static_cast<const char *> (data), len);
}

std::string
close_payload (uint16_t code, std::string_view reason)
{
  std::string out;
  out += (char) (code >> 8);
  out += (char) (code & 0xFF);
  size_t n = std::min (reason.size (), kMaxControlPayload - 2);
  /* Do not cut a UTF-8 sequence in two. */
  while (n > 0 && n < reason.size () && ((uint8_t) reason[n] & 0xC0) == 0x80)
    n--;
  out.append (reason.data (), n);
  return out;
}

bool
close_code_is_valid (uint16_t code)
{
  if (code >= 3000 && code <= 4999)
    return true;
  switch (code) {
    case 1000: case 1001: case 1002: case 1003: case 1007: case 1008:
    case 1009: case 1010: case 1011: case 1012: case 1013: case 1014:
      return true;
    default:
      return false;
  }
}

size_t
Reader::frame_size (const uint8_t * data, size_t len)
{
  if (len < 2)
    return 0;
  size_t header = 2 + ((data[1] & 0x80) ? 4 : 0);
  uint64_t payload = data[1] & 0x7F;
  if (payload == 126) {
    header += 2;
    if (len < 4)
      return 0;
    payload = ((uint64_t) data[2] << 8) | data[3];
  } else if (payload == 127) {
    header += 8;
    if (len < 10)
      return 0;
    payload = 0;
    for (int i = 0; i < 8; i++)
      payload = (payload << 8) | data[2 + i];
    if (payload > ((uint64_t) 1 << 62))
      return SIZE_MAX;
  }
  return header + payload;
}

Reader::Result
Reader::fail (uint16_t code, const char *reason)
{
  error_code_ = code;
  error_reason_ = reason;
  return kError;
}

Reader::Result
Reader::next (uint8_t * data, size_t len, size_t * used, Message * msg)
{
  size_t pos = 0;
  *used = 0;
  if (error_code_)
    return kError;
  /* Fragments read so far stay consumed. */
  auto need_more =[&]() {
    *used = pos;
    return kNeedMore;
  };

  while (true) {
    uint8_t *p = data + pos;
    size_t avail = len - pos;
    if (avail < 2)
      return need_more ();
    const bool fin = p[0] & 0x80;
    const uint8_t op = p[0] & 0x0F;
    if (p[0] & 0x70)
      return fail (kCloseProtocolError, "reserved bits set");
    if (!(p[1] & 0x80))
      return fail (kCloseProtocolError, "client frame not masked");
    const bool control = op & 0x08;
    if (control) {
      if (op != kClose && op != kPing && op != kPong)
        return fail (kCloseProtocolError, "unknown opcode");
      if (!fin)
        return fail (kCloseProtocolError, "fragmented control frame");
      if ((p[1] & 0x7F) > kMaxControlPayload)
        return fail (kCloseProtocolError, "control frame too long");
    } else if (op > kBinary) {
      return fail (kCloseProtocolError, "unknown opcode");
    } else if (op == kContinuation && !fragment_op_) {
      return fail (kCloseProtocolError, "continuation without a message");
    } else if (op != kContinuation && fragment_op_) {
      return fail (kCloseProtocolError, "new message inside a fragmented one");
    }

    size_t header = 2;
    uint64_t plen = p[1] & 0x7F;
    if (plen == 126) {
      if (avail < 4)
        return need_more ();
      plen = ((uint64_t) p[2] << 8) | p[3];
      header = 4;
    } else if (plen == 127) {
      if (avail < 10)
        return need_more ();
      plen = 0;
      for (int i = 0; i < 8; i++)
        plen = (plen << 8) | p[2 + i];
      if (plen >> 63)
        return fail (kCloseProtocolError, "frame length out of range");
      header = 10;
    }
    if (!control && plen + (fragment_op_ ? fragments_.size () : 0) >
        max_message_)
      return fail (kCloseTooBig, "message too big");
    const uint8_t *key = p + header;
    header += 4;
    if (avail < header || avail - header < plen)
      return need_more ();

    uint8_t *payload = p + header;
    unmask (payload, plen, key);
    pos += header + plen;
    std::string_view body (reinterpret_cast<const char *> (payload), plen);

    if (control) {
      msg->opcode = op;
      msg->data = body;
      if (op == kClose) {
        if (plen == 1)
          return fail (kCloseProtocolError, "close payload of one byte");
        msg->close_code = kCloseNoStatus;
        msg->close_reason = {};
        if (plen >= 2) {
          msg->close_code = (uint16_t) ((payload[0] << 8) | payload[1]);
          msg->close_reason = body.substr (2);
          if (!close_code_is_valid (msg->close_code))
            return fail (kCloseProtocolError, "invalid close code");
          if (!is_utf8 (msg->close_reason))
            return fail (kCloseBadData, "close reason is not UTF-8");
        }
      }
      *used = pos;
      return kMessage;
    }

    if (fin && op != kContinuation) {
      /* The common case: a whole message in one frame, no copy. */
      if (op == kText && !is_utf8 (body))
        return fail (kCloseBadData, "text message is not UTF-8");
      msg->opcode = op;
      msg->data = body;
      *used = pos;
      return kMessage;
    }
    if (op != kContinuation) {
      fragment_op_ = op;
      fragments_.clear ();
    }
    fragments_.append (body);
    if (!fin)
      continue;
    /* Last fragment: the message is in fragments_ until the next call. */
    uint8_t whole = fragment_op_;
    fragment_op_ = 0;
    if (whole == kText && !is_utf8 (fragments_))
      return fail (kCloseBadData, "text message is not UTF-8");
    msg->opcode = whole;
    msg->data = fragments_;
    *used = pos;
    return kMessage;
  }
}

}  // namespace ws
}  // namespace sessionctx
