/* The filter of ExactResampler, designed once per pair of rates.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "audio/polyphasefilter.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SESSIONCTX_X86 1
#endif

namespace sessionctx {

namespace {

constexpr int kMaxPhases = 2048;
constexpr int kTapScaleBits = 14;       /* a phase's taps sum to 1 << 14 */

/* Modified Bessel function of the first kind, order 0 (its series). */
double
bessel_i0 (double x)
{
  double sum = 1.0, term = 1.0;
  for (int k = 1; k < 64 && term > 1e-12 * sum; k++) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
  }
  return sum;
}

std::shared_ptr<PolyphaseFilter>
design (int L, int M)
{
  auto f = std::make_shared<PolyphaseFilter> ();
  f->L = L;
  f->M = M;
  /* At the common rate in × L = out × M the lower rate is one sample in
   * R; the cutoff is its Nyquist frequency. */
  const int R = std::max (L, M);
  const double half = kPolyphaseTapsPerSample * R / 2.0;
  const double beta = 0.1102 * (kPolyphaseStopbandDb - 8.7);
  const double i0_beta = bessel_i0 (beta);
  auto g = [&](double d) {
    if (std::fabs (d) >= half)
      return 0.0;
    double x = d / R;
    double sinc = x == 0.0 ? 1.0 : std::sin (M_PI * x) / (M_PI * x);
    double r = d / half;
    return sinc * bessel_i0 (beta * std::sqrt (1.0 - r * r)) / i0_beta;
  };
  /* Input sample i - m sits at distance m × L + p from the output. */
  int mlo = 0, mhi = 0;
  for (int p = 0; p < L; p++) {
    for (int m = (int) std::floor ((-half - p) / L) - 1;
        m <= (int) std::ceil ((half - p) / L) + 1; m++) {
      if (std::fabs ((double) m * L + p) < half) {
        mlo = std::min (mlo, m);
        mhi = std::max (mhi, m);
      }
    }
  }
  f->before = mhi;
  f->after = -mlo;
  const int window = f->before + f->after + 1;
  f->taps = (window + 15) / 16 * 16;
  f->h.assign ((size_t) f->taps * L, 0);
  std::vector<double> phase (window);
  for (int p = 0; p < L; p++) {
    double sum = 0;
    for (int w = 0; w < window; w++) {
      phase[w] = g ((double) (f->before - w) * L + p);
      sum += phase[w];
    }
    /* Each phase sums to exactly 1 << 14: DC passes unchanged. */
    int16_t *h = &f->h[(size_t) p * f->taps];
    int total = 0, largest = 0;
    for (int w = 0; w < window; w++) {
      h[w] = (int16_t) std::lround (phase[w] / sum * (1 << kTapScaleBits));
      total += h[w];
      if (std::abs (h[w]) > std::abs (h[largest]))
        largest = w;
    }
    h[largest] = (int16_t) (h[largest] + ((1 << kTapScaleBits) - total));
  }
  return f;
}

inline int16_t
to_sample (int32_t acc)
{
  int32_t v = (acc + (1 << (kTapScaleBits - 1))) >> kTapScaleBits;
  return (int16_t) std::clamp (v, (int32_t) INT16_MIN, (int32_t) INT16_MAX);
}

/* The loop, with the dot product as @dot: one copy per instruction set.
 * Each output moves the input position on by M / L samples. */
#define POLYPHASE_LOOP(dot)                                             \
  const int step = f.M / f.L, carry = f.M % f.L;                        \
  gint64 at = *i;                                                       \
  int phase = *p;                                                       \
  for (size_t k = 0; k < n; k++) {                                      \
    const int16_t *w = x + (at - f.before - x_start);                   \
    out[k] = to_sample (dot (w, &f.h[(size_t) phase * f.taps], f.taps)); \
    at += step;                                                         \
    phase += carry;                                                     \
    if (phase >= f.L) {                                                 \
      phase -= f.L;                                                     \
      at++;                                                             \
    }                                                                   \
  }                                                                     \
  *i = at;                                                              \
  *p = phase;

inline int32_t
dot_scalar (const int16_t * x, const int16_t * h, int n)
{
  int32_t acc = 0;
  for (int j = 0; j < n; j++)
    acc += (int32_t) x[j] * h[j];
  return acc;
}

void
run_scalar (const PolyphaseFilter & f, const int16_t * x, gint64 x_start,
    gint64 * i, int *p, size_t n, int16_t * out)
{
POLYPHASE_LOOP (dot_scalar)}

#ifdef SESSIONCTX_X86
inline int32_t
dot_sse2 (const int16_t * x, const int16_t * h, int n)
{
  __m128i acc = _mm_setzero_si128 ();
  for (int j = 0; j < n; j += 8)
    acc = _mm_add_epi32 (acc, _mm_madd_epi16 (_mm_loadu_si128
            ((const __m128i *) (x + j)), _mm_loadu_si128 ((const __m128i *)
                (h + j))));
  acc = _mm_add_epi32 (acc, _mm_shuffle_epi32 (acc, 0x4e));
  acc = _mm_add_epi32 (acc, _mm_shuffle_epi32 (acc, 0xb1));
  return _mm_cvtsi128_si32 (acc);
}

void
run_sse2 (const PolyphaseFilter & f, const int16_t * x, gint64 x_start,
    gint64 * i, int *p, size_t n, int16_t * out)
{
POLYPHASE_LOOP (dot_sse2)}

__attribute__((target ("avx2")))
inline int32_t
dot_avx2 (const int16_t * x, const int16_t * h, int n)
{
  __m256i acc = _mm256_setzero_si256 ();
  for (int j = 0; j < n; j += 16)
    acc = _mm256_add_epi32 (acc, _mm256_madd_epi16 (_mm256_loadu_si256
            ((const __m256i *) (x + j)), _mm256_loadu_si256 ((const __m256i *)
                (h + j))));
  __m128i s = _mm_add_epi32 (_mm256_castsi256_si128 (acc),
      _mm256_extracti128_si256 (acc, 1));
  s = _mm_add_epi32 (s, _mm_shuffle_epi32 (s, 0x4e));
  s = _mm_add_epi32 (s, _mm_shuffle_epi32 (s, 0xb1));
  return _mm_cvtsi128_si32 (s);
}

__attribute__((target ("avx2")))
void
run_avx2 (const PolyphaseFilter & f, const int16_t * x, gint64 x_start,
    gint64 * i, int *p, size_t n, int16_t * out)
{
POLYPHASE_LOOP (dot_avx2)}
/* The eight sums of @acc's lanes, rounded, as samples: the first @n to
 * @out. */
__attribute__((target ("avx2")))
inline void
store_sums8 (const __m256i * acc, int16_t * out, int n)
{
  const __m256i round = _mm256_set1_epi32 (1 << (kTapScaleBits - 1));
  __m256i h01 = _mm256_hadd_epi32 (acc[0], acc[1]);
  __m256i h23 = _mm256_hadd_epi32 (acc[2], acc[3]);
  __m256i h45 = _mm256_hadd_epi32 (acc[4], acc[5]);
  __m256i h67 = _mm256_hadd_epi32 (acc[6], acc[7]);
  __m256i h0123 = _mm256_hadd_epi32 (h01, h23);
  __m256i h4567 = _mm256_hadd_epi32 (h45, h67);
  __m256i sums = _mm256_add_epi32 (_mm256_permute2x128_si256 (h0123,
          h4567, 0x20), _mm256_permute2x128_si256 (h0123, h4567, 0x31));
  sums = _mm256_srai_epi32 (_mm256_add_epi32 (sums, round), kTapScaleBits);
  __m128i packed = _mm_packs_epi32 (_mm256_castsi256_si128 (sums),
      _mm256_extracti128_si256 (sums, 1));
  alignas (16) int16_t group[8];
  _mm_store_si128 ((__m128i *) group, packed);
  memcpy (out, group, n * sizeof (int16_t));
}

/* Four sums of lanes, rounded, as four samples at @out. */
__attribute__((target ("avx2")))
inline void
store_sums4 (__m256i a0, __m256i a1, __m256i a2, __m256i a3, int16_t * out)
{
  const __m128i round = _mm_set1_epi32 (1 << (kTapScaleBits - 1));
  __m256i s = _mm256_hadd_epi32 (_mm256_hadd_epi32 (a0, a1),
      _mm256_hadd_epi32 (a2, a3));
  __m128i sums = _mm_add_epi32 (_mm256_castsi256_si128 (s),
      _mm256_extracti128_si256 (s, 1));
  sums = _mm_srai_epi32 (_mm_add_epi32 (sums, round), kTapScaleBits);
  _mm_storel_epi64 ((__m128i *) out, _mm_packs_epi32 (sums, sums));
}

/* Upsampling with M = 1: a phase's window is kPolyphaseTapsPerSample. */
constexpr int kUpTaps = kPolyphaseTapsPerSample;
static_assert (kUpTaps == 32, "run_avx2_up reads two vectors");

/* Upsampling by L (M = 1), L a constant: the L outputs at one input
 * sample share their input window; its dot products with the L phases
 * are summed across at once (a tree of horizontal adds) and packed with
 * saturation. */
template <int L>
__attribute__((target ("avx2")))
void
run_avx2_up (const PolyphaseFilter & f, const int16_t * x, gint64 x_start,
    gint64 * i, int *p, size_t n, int16_t * out)
{
  static_assert (L >= 2 && L <= 8, "one vector of sums");
  g_assert (f.taps == kUpTaps);
  /* To the first output of a group, and the tail: one by one. */
  size_t k = MIN (n, (size_t) ((L - *p) % L));
  run_avx2 (f, x, x_start, i, p, k, out);
  const int16_t *h = f.h.data ();
  gint64 at = *i;
  for (; n - k >= (size_t) L; k += L, at++) {
    const int16_t *w = x + (at - f.before - x_start);
    const __m256i x0 = _mm256_loadu_si256 ((const __m256i *) w);
    const __m256i x1 = _mm256_loadu_si256 ((const __m256i *) (w + 16));
    __m256i acc[8] = { };
#pragma GCC unroll 8
    for (int ph = 0; ph < L; ph++) {
      const int16_t *hp = h + ph * kUpTaps;
      acc[ph] = _mm256_add_epi32 (_mm256_madd_epi16 (x0,
              _mm256_loadu_si256 ((const __m256i *) hp)),
          _mm256_madd_epi16 (x1, _mm256_loadu_si256 ((const __m256i *)
                  (hp + 16))));
    }
    store_sums8 (acc, out + k, L);
  }
  *i = at;
  run_avx2 (f, x, x_start, i, p, n - k, out + k);
}

/* One phase (L = 1: downsampling by M): four outputs at a time, their
 * windows M samples apart, summed across at once. */
__attribute__((target ("avx2")))
void
run_avx2_down (const PolyphaseFilter & f, const int16_t * x, gint64 x_start,
    gint64 * i, int *p, size_t n, int16_t * out)
{
  const int16_t *h = f.h.data ();
  const int taps = f.taps, M = f.M;
  gint64 at = *i;
  size_t k = 0;
  for (; n - k >= 4; k += 4, at += 4 * M) {
    const int16_t *w = x + (at - f.before - x_start);
    __m256i a0 = _mm256_setzero_si256 (), a1 = a0, a2 = a0, a3 = a0;
    for (int j = 0; j < taps; j += 16) {
      const __m256i hv = _mm256_loadu_si256 ((const __m256i *) (h + j));
      a0 = _mm256_add_epi32 (a0, _mm256_madd_epi16 (hv,
              _mm256_loadu_si256 ((const __m256i *) (w + j))));
      a1 = _mm256_add_epi32 (a1, _mm256_madd_epi16 (hv,
              _mm256_loadu_si256 ((const __m256i *) (w + M + j))));
      a2 = _mm256_add_epi32 (a2, _mm256_madd_epi16 (hv,
              _mm256_loadu_si256 ((const __m256i *) (w + 2 * M + j))));
      a3 = _mm256_add_epi32 (a3, _mm256_madd_epi16 (hv,
              _mm256_loadu_si256 ((const __m256i *) (w + 3 * M + j))));
    }
    store_sums4 (a0, a1, a2, a3, out + k);
  }
  *i = at;
  run_avx2 (f, x, x_start, i, p, n - k, out + k);
}


#endif

using RunFunc = void (*) (const PolyphaseFilter &, const int16_t *, gint64,
    gint64 *, int *, size_t, int16_t *);

/* The best loop for @f in @isa; nullptr when this CPU cannot run it. */
RunFunc
run_for (const PolyphaseFilter & f, PolyphaseIsa isa)
{
  switch (isa) {
    case PolyphaseIsa::plain:
      return run_scalar;
#ifdef SESSIONCTX_X86
    case PolyphaseIsa::sse2:
      return run_sse2;
    case PolyphaseIsa::avx2:
      if (!__builtin_cpu_supports ("avx2"))
        return nullptr;
      if (f.M == 1 && f.L == 6)        /* 8 kHz ↔ 48 kHz */
        return run_avx2_up<6>;
      if (f.M == 1 && f.L == 3)        /* 16 kHz ↔ 48 kHz */
        return run_avx2_up<3>;
      if (f.M == 1 && f.L == 2)        /* 24 kHz ↔ 48 kHz, 8 ↔ 16 */
        return run_avx2_up<2>;
      if (f.L == 1)                    /* 48 kHz → 8, 16, 24 kHz */
        return run_avx2_down;
      return run_avx2;
#else
    default:
      return nullptr;
#endif
  }
  return nullptr;
}

/* The widest this CPU has (SESSIONCTX_RESAMPLER_ISA=plain|sse2|avx2
 * narrows it). */
PolyphaseIsa
best_isa ()
{
  const char *want = g_getenv ("SESSIONCTX_RESAMPLER_ISA");
  const std::pair<const char *, PolyphaseIsa> isas[] = {
    {"avx2", PolyphaseIsa::avx2},
    {"sse2", PolyphaseIsa::sse2}, {"plain", PolyphaseIsa::plain},
  };
  PolyphaseFilter probe;
  bool allowed = !want;
  for (auto &[name, isa] : isas) {
    allowed = allowed || g_strcmp0 (want, name) == 0;
    if (allowed && run_for (probe, isa))
      return isa;
  }
  return PolyphaseIsa::plain;
}

}  // namespace

std::shared_ptr<const PolyphaseFilter>
PolyphaseFilter::get (int in_rate, int out_rate)
{
  if (in_rate <= 0 || out_rate <= 0)
    return nullptr;
  const int g = std::gcd (in_rate, out_rate);
  const int L = out_rate / g, M = in_rate / g;
  if (L > kMaxPhases || M > kMaxPhases)
    return nullptr;
  static std::mutex lock;
  static std::map<std::pair<int, int>, std::shared_ptr<PolyphaseFilter>>
      filters;
  std::lock_guard < std::mutex > l (lock);
  auto & slot = filters[{L, M}];
  if (!slot)
    slot = design (L, M);
  return slot;
}

void
polyphase_run (const PolyphaseFilter & f, const int16_t * x, gint64 x_start,
    gint64 * i, int *p, size_t n, int16_t * out)
{
  static const PolyphaseIsa isa = best_isa ();
  run_for (f, isa) (f, x, x_start, i, p, n, out);
}

bool
polyphase_run_isa (PolyphaseIsa isa, const PolyphaseFilter & f,
    const int16_t * x, gint64 x_start, gint64 * i, int *p, size_t n,
    int16_t * out)
{
  RunFunc run = run_for (f, isa);
  if (!run)
    return false;
  run (f, x, x_start, i, p, n, out);
  return true;
}

void
polyphase_run_reference (const PolyphaseFilter & f, const int16_t * x,
    gint64 x_start, gint64 * i, int *p, size_t n, int16_t * out)
{
  run_scalar (f, x, x_start, i, p, n, out);
}

}  // namespace sessionctx
