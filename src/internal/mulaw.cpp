/* ITU-T G.711 µ-law. SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mulaw.h"

#include <array>

namespace sessionctx {
namespace {

constexpr int kBias = 0x84;
constexpr int kClip = 32635;

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

/* Segment (exponent) of a biased magnitude, indexed by magnitude >> 7. */
constexpr std::array<uint8_t, 256> make_exponent_table ()
{
  std::array<uint8_t, 256> table {};
  for (int i = 0; i < 256; i++) {
    int exponent = 0;
    for (int v = i; v > 1; v >>= 1)
      exponent++;
    table[i] = static_cast<uint8_t> (exponent);
  }
  return table;
}

constexpr auto kDecode = make_decode_table ();
constexpr auto kExponent = make_exponent_table ();

}  // namespace

uint8_t
mulaw_encode (int16_t sample)
{
  int value = sample;
  int sign = 0;
  if (value < 0) {
    value = -value;
    sign = 0x80;
  }
  if (value > kClip)
    value = kClip;
  value += kBias;
  int exponent = kExponent[(value >> 7) & 0xFF];
  int mantissa = (value >> (exponent + 3)) & 0x0F;
  return static_cast<uint8_t> (~(sign | (exponent << 4) | mantissa));
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
    out[i] = mulaw_encode (in[i]);
}

}  // namespace sessionctx
