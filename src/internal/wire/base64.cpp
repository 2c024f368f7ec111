/* Strict RFC 4648 base64. SPDX-License-Identifier: LGPL-2.1-or-later */
#include "wire/base64.h"

#include <array>

namespace sessionctx {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kInvalid = 0xFF;

constexpr std::array<uint8_t, 256> make_table ()
{
  std::array<uint8_t, 256> t {};
  for (auto & v : t)
    v = kInvalid;
  for (int i = 0; i < 64; i++)
    t[static_cast<uint8_t> (kAlphabet[i])] = static_cast<uint8_t> (i);
  return t;
}

constexpr auto kTable = make_table ();

}  // namespace

long
base64_decode (const char * in, size_t len, uint8_t * out)
{
  /* Strip at most two '=' and only when the padded length is a multiple of
   * 4; an unpadded tail of 2 or 3 characters is accepted too. */
  size_t data_len = len;
  if (len % 4 == 0 && len > 0) {
    if (in[len - 1] == '=') {
      data_len--;
      if (in[len - 2] == '=')
        data_len--;
    }
  }
  if (data_len % 4 == 1)
    return -1;

  const auto *p = reinterpret_cast<const uint8_t *> (in);
  uint8_t *o = out;
  size_t i = 0;
  for (; i + 4 <= data_len; i += 4) {
    uint32_t a = kTable[p[i]], b = kTable[p[i + 1]], c = kTable[p[i + 2]],
        d = kTable[p[i + 3]];
    if ((a | b | c | d) & 0x80)
      return -1;
    uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    o[0] = static_cast<uint8_t> (v >> 16);
    o[1] = static_cast<uint8_t> (v >> 8);
    o[2] = static_cast<uint8_t> (v);
    o += 3;
  }
  size_t rest = data_len - i;
  if (rest >= 2) {
    uint32_t a = kTable[p[i]], b = kTable[p[i + 1]];
    uint32_t c = rest == 3 ? kTable[p[i + 2]] : 0;
    if ((a | b | c) & 0x80)
      return -1;
    uint32_t v = (a << 18) | (b << 12) | (c << 6);
    *o++ = static_cast<uint8_t> (v >> 16);
    if (rest == 3)
      *o++ = static_cast<uint8_t> (v >> 8);
  }
  return static_cast<long> (o - out);
}

void
base64_encode_append (const uint8_t * data, size_t len, std::string & out)
{
  size_t start = out.size ();
  out.resize (start + (len + 2) / 3 * 4);
  char *o = &out[start];
  size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (len - i == 1) {
    uint32_t v = data[i] << 16;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = '=';
    *o++ = '=';
  } else if (len - i == 2) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8);
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = '=';
  }
}

}  // namespace sessionctx
