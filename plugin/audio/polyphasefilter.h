/* The filter of ExactResampler: a Kaiser-windowed sinc split into the
 * phases of a rational rate ratio, designed once per pair of rates and
 * shared, and the loop that runs it.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace sessionctx {

/* out_rate = in_rate × L / M (L, M coprime). Output sample k lies at
 * input position k × M / L: written k × M = i × L + p, output k is the
 * dot product of phase p's taps with the input samples i - before …
 * i + after (centred: no delay). */
struct PolyphaseFilter
{
  int L = 1;
  int M = 1;
  int before = 0;               /* input samples used before i */
  int after = 0;                /* and after it: the look-ahead */
  int taps = 0;                 /* per phase, padded with zeros to 16 */
  std::vector<int16_t> h;       /* phase p at h[p × taps], Q14 */

  /* The shared filter for these rates; nullptr when their ratio needs too
   * many phases (more than 2048). */
  static std::shared_ptr<const PolyphaseFilter> get (int in_rate,
      int out_rate);
};

/* Taps per sample of the lower rate, and the stopband attenuation they
 * are designed for: passband to 0.84 of the lower rate's Nyquist
 * frequency, stopband from 1.16 of it. */
constexpr int kPolyphaseTapsPerSample = 32;
constexpr double kPolyphaseStopbandDb = 80.0;

/* @n outputs of @f from @x (input sample @x_start first; @f.taps - 1
 * readable samples beyond the last one used, any value), starting at
 * input sample *@i, phase *@p, which it advances. */
void polyphase_run (const PolyphaseFilter & f, const int16_t * x,
    gint64 x_start, gint64 * i, int *p, size_t n, int16_t * out);

/* The same without SIMD: what polyphase_run () must agree with (tests). */
void polyphase_run_reference (const PolyphaseFilter & f, const int16_t * x,
    gint64 x_start, gint64 * i, int *p, size_t n, int16_t * out);

/* The instruction sets polyphase_run () picks from, widest first that the
 * CPU has (SESSIONCTX_RESAMPLER_ISA=sse2 or plain narrows it). AVX-512BW
 * was measured and not kept: 48 kHz → 8 kHz 0.75–0.95 µs a frame against
 * AVX2's 0.92–0.95, 8 kHz → 48 kHz 1.5 against 1.1 µs. */
enum class PolyphaseIsa
{ plain, sse2, avx2 };

/* polyphase_run () with the loops of @isa; false when this CPU cannot run
 * them (tests). */
bool polyphase_run_isa (PolyphaseIsa isa, const PolyphaseFilter & f,
    const int16_t * x, gint64 x_start, gint64 * i, int *p, size_t n,
    int16_t * out);

}  // namespace sessionctx
