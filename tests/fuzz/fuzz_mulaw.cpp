/* libFuzzer target: G.711 µ-law (src/internal/wire/mulaw.h), the codec of
 * Twilio media and of binary media frames.
 *
 * Input: bytes, read as µ-law codes and as 16-bit samples. Oracles:
 * - the block functions agree with the one-sample ones;
 * - a code decodes to a sample that encodes back to the same code (0x7F,
 *   negative zero, comes back as 0xFF);
 * - encoding loses at most half a step (the clipped top excepted) and
 *   keeps the order of samples.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzzcheck.h"
#include "wire/mulaw.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace sessionctx;

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  std::vector<int16_t> pcm (size);
  mulaw_decode_block (data, size, pcm.data ());
  for (size_t i = 0; i < size; i++) {
    CHECK (pcm[i] == mulaw_decode (data[i]));
    CHECK (mulaw_encode (pcm[i]) == (data[i] == 0x7F ? 0xFF : data[i]));
  }

  const size_t n = size / 2;
  std::vector<int16_t> samples (n);
  if (n)
    memcpy (samples.data (), data, n * 2);
  std::vector<uint8_t> codes (n);
  mulaw_encode_block (samples.data (), n, codes.data ());
  for (size_t i = 0; i < n; i++) {
    const int s = samples[i];
    CHECK (codes[i] == mulaw_encode (samples[i]));
    const int back = mulaw_decode (codes[i]);
    /* Steps are 2^(segment + 3), the largest 1024 (G.711's 13-bit scale
     * times 4); beyond ±32124 the codec clips. */
    const int clipped = s > 32124 ? 32124 : s < -32124 ? -32124 : s;
    CHECK (abs (back - clipped) <= 512 + 4);
    if (i > 0) {
      const int prev = samples[i - 1];
      const int prev_back = mulaw_decode (codes[i - 1]);
      CHECK ((prev <= s) ? prev_back <= back : prev_back >= back);
    }
  }
  return 0;
}
