/* ITU-T G.711 µ-law. SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <cstddef>
#include <cstdint>

namespace sessionctx {

/* Encode one 16-bit linear sample (bias 0x84, clip 32635, bits inverted). */
uint8_t mulaw_encode (int16_t sample);
/* Decode one µ-law byte to 16-bit linear (table lookup). */
int16_t mulaw_decode (uint8_t code);

void mulaw_decode_block (const uint8_t * in, size_t n, int16_t * out);
void mulaw_encode_block (const int16_t * in, size_t n, uint8_t * out);

}  // namespace sessionctx
