/* ITU-T G.711 µ-law. SPDX-License-Identifier: LGPL-2.1-or-later */
#include "wire/mulaw.h"

#include <array>

namespace sessionctx {
namespace {

constexpr int kBias = 0x84;

constexpr int16_t
decode_one (uint8_t code)
{
  int u = static_cast<uint8_t> (~code);
  int t = ((u & 0x0F) << 3) + kBias;
  t <<= (u & 0x70) >> 4;
  return static_cast<int16_t> ((u & 0x80) ? (kBias - t) : (t - kBias));
}

constexpr std::array<int16_t, 256> make_decode_table ()
{
  std::array<int16_t, 256> table {};
  for (int i = 0; i < 256; i++)
    table[i] = decode_one (static_cast<uint8_t> (i));
  return table;
}

/* 1 + bit length of (magnitude >> 6), for 14-bit magnitudes (G.191). */
constexpr std::array<uint8_t, 128> make_segment_table ()
{
  std::array<uint8_t, 128> table {};
  for (int i = 0; i < 128; i++) {
    int segment = 1;
    for (int v = i; v != 0; v >>= 1)
      segment++;
    table[i] = static_cast<uint8_t> (segment);
  }
  return table;
}

constexpr auto kDecode = make_decode_table ();
constexpr auto kSegment = make_segment_table ();

/* ITU-T G.191 ulaw_compress: 14-bit magnitude (one's complement for
 * negative samples), biased by 33, clipped to 0x1FFF. */
constexpr uint8_t
encode_one (int16_t sample)
{
  int magnitude = (sample < 0 ? (~sample) >> 2 : sample >> 2) + 33;
  if (magnitude > 0x1FFF)
    magnitude = 0x1FFF;
  int segment = kSegment[magnitude >> 6];
  int high = 0x8 - segment;
  int low = 0xF - ((magnitude >> segment) & 0xF);
  int code = (high << 4) | low;
  return static_cast<uint8_t> (sample >= 0 ? code | 0x80 : code);
}

/* The code depends on sample >> 2 alone (sign included): one 16 KiB table
 * indexed by the top 14 bits. */
std::array<uint8_t, 16384>
make_encode_table ()
{
  std::array<uint8_t, 16384> table {};
  for (int i = 0; i < 16384; i++)
    table[i] = encode_one (static_cast<int16_t> (i << 2));
  return table;
}

const std::array<uint8_t, 16384> kEncode = make_encode_table ();

inline uint8_t
encode_fast (int16_t sample)
{
  return kEncode[static_cast<uint16_t> (sample) >> 2];
}

}  // namespace

uint8_t
mulaw_encode (int16_t sample)
{
  return encode_fast (sample);
}

int16_t
mulaw_decode (uint8_t code)
{
  return kDecode[code];
}

void
mulaw_decode_block (const uint8_t * in, size_t n, int16_t * out)
{
  for (size_t i = 0; i < n; i++)
    out[i] = kDecode[in[i]];
}

void
mulaw_encode_block (const int16_t * in, size_t n, uint8_t * out)
{
  for (size_t i = 0; i < n; i++)
    out[i] = encode_fast (in[i]);
}

}  // namespace sessionctx
