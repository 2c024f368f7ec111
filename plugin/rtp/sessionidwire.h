/* The session id as the RTP header extension carries it (RFC 8285): the
 * id's bytes and nothing else, the element's own length saying how many.
 * Pure functions over bytes (tests/unit/rtphdrext.cpp, fuzzed by
 * tests/fuzz/fuzz_rtphdrext.cpp).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <cstddef>
#include <cstdint>

namespace sessionctx::rtp {

/* The extension's URI, as SDP's a=extmap and the caps' extmap-N name it. */
#define SESSIONCTX_RTP_SESSION_ID_URI "urn:gst-sessionctx:rtp-hdrext:session-id"

/* RFC 8285: the one-byte form carries 1 to 16 bytes an element, the
 * two-byte form 0 to 255. */
constexpr size_t kOneByteMax = 16;
constexpr size_t kTwoByteMax = 255;

/* Whether @size bytes at @data are a session id the extension carries:
 * 1 to kTwoByteMax bytes of valid UTF-8 without control characters (no
 * byte below 0x20, no 0x7F; the server refuses those in ids too). The
 * sender writes only such ids, the receiver accepts only such bytes. */
bool is_wire_session_id (const uint8_t * data, size_t size);

/* The same for a C string (an id from a context). */
bool is_wire_session_id (const char *id, size_t *len);

/* What an id of @len bytes adds to each RTP packet when it is the packet's
 * only extension: the extension header (4 bytes), the element's header
 * (1 byte up to 16 bytes of id, else 2), the id, padded to 32-bit words. */
size_t packet_overhead (size_t len);

}  // namespace sessionctx::rtp
