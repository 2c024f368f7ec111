/* Strict RFC 4648 base64. SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sessionctx {

/* Room needed to decode @len characters. */
constexpr size_t
base64_decoded_max (size_t len)
{
  return (len / 4 + 1) * 3;
}

/* Decodes standard base64 (RFC 4648 alphabet; padding optional but, when
 * present, only at the end and only as much as the length needs). Rejects
 * any other character, whitespace included — unlike g_base64_decode, which
 * silently skips them. Returns the number of bytes written to @out (which
 * must hold base64_decoded_max (len)) or -1 when @in is not valid base64. */
long base64_decode (const char * in, size_t len, uint8_t * out);

/* Appends the padded base64 encoding of @data to @out. */
void base64_encode_append (const uint8_t * data, size_t len, std::string & out);

}  // namespace sessionctx
