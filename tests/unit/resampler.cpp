/* Unit tests of ExactResampler and its polyphase filter: exact counts,
 * in place, chunking does not matter, SIMD agrees with the plain loop,
 * fidelity and stopband.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "audio/exactresampler.h"
#include "audio/polyphasefilter.h"

#include <gst/gst.h>

#include <algorithm>
#include <cmath>
#include <vector>

using sessionctx::PolyphaseFilter;

namespace {

struct Rates
{
  int in, out;
};

/* Polyphase pairs, the fallback (47999 ↔ 48000 needs 48000 phases). */
const Rates kRates[] = {
  {8000, 48000}, {48000, 8000}, {16000, 48000}, {48000, 16000},
  {24000, 48000}, {48000, 24000}, {8000, 16000}, {44100, 48000},
  {48000, 44100}, {8000, 44100}, {22050, 8000}, {47999, 48000},
};

/* @in through a new resampler in chunks of @chunk (0: sizes that vary),
 * drained. */
std::vector<int16_t>
run (const Rates & r, const std::vector<int16_t> & in, size_t chunk)
{
  ExactResampler rs (r.in, r.out);
  std::vector<int16_t> out;
  guint32 seed = 7;
  for (size_t at = 0; at < in.size ();) {
    size_t n = chunk;
    if (n == 0) {
      seed = seed * 1103515245 + 12345;
      n = 1 + (seed >> 16) % 700;
    }
    n = MIN (n, in.size () - at);
    size_t out_n = rs.out_frames (n);
    size_t had = out.size ();
    out.resize (had + out_n);
    rs.resample (in.data () + at, n, out_n ? out.data () + had : nullptr);
    at += n;
  }
  rs.drain (out);
  return out;
}

std::vector<int16_t>
tone (double freq, int rate, size_t n, double amplitude)
{
  std::vector<int16_t> v (n);
  for (size_t i = 0; i < n; i++)
    v[i] = (int16_t) std::lround (amplitude * std::sin (2 * M_PI * freq * i /
            rate + 0.3));
  return v;
}

double
rms (const std::vector<int16_t> & v, size_t from, size_t to)
{
  double sum = 0;
  for (size_t i = from; i < to; i++)
    sum += (double) v[i] * v[i];
  return std::sqrt (sum / (to - from));
}

}  // namespace

/* Exactly in × out / in samples after the drain, whatever the chunks;
 * an impulse lands where it was (no delay). */
static void
test_exact_and_in_place (void)
{
  for (const Rates & r:kRates) {
    const size_t n = (size_t) r.in * 3 / 2 + 17;
    std::vector<int16_t> in (n, 0);
    const size_t at = n / 3;
    in[at] = 20000;
    const size_t expected = gst_util_uint64_scale (n, r.out, r.in);
    std::vector<int16_t> whole = run (r, in, 0);
    g_assert_cmpuint (whole.size (), ==, expected);
    for (size_t chunk:{(size_t) 1, (size_t) 7, (size_t) 160, (size_t) 960}) {
      std::vector<int16_t> out = run (r, in, chunk);
      g_assert_cmpuint (out.size (), ==, expected);
      if (PolyphaseFilter::get (r.in, r.out))
        g_assert_true (out == whole);   /* chunking changes nothing */
    }
    size_t peak = 0;
    for (size_t i = 0; i < whole.size (); i++)
      if (std::abs (whole[i]) > std::abs (whole[peak]))
        peak = i;
    const double where = (double) at * r.out / r.in;
    g_assert_cmpfloat (std::fabs (peak - where), <=, 1.0);
  }
}

/* The vector loops and the plain one give the same samples, full scale
 * (saturating) included. */
static void
test_simd_matches_reference (void)
{
  for (const Rates & r:kRates) {
    auto f = PolyphaseFilter::get (r.in, r.out);
    if (!f)
      continue;
    std::vector<int16_t> x (6000 + f->taps);
    guint32 seed = 1;
    for (size_t i = 0; i < 6000; i++) {
      seed = seed * 1103515245 + 12345;
      /* Square bursts at full scale, then noise. */
      x[i] = i < 2000 ? ((i / 37) % 2 ? 32767 : -32768) :
          (int16_t) (seed >> 16);
    }
    for (int start_phase = 0; start_phase < MIN (f->L, 5); start_phase++) {
      const size_t n = (6000 - f->after - 1 - f->before) * f->L / f->M - 8;
      std::vector<int16_t> a (n), b (n);
      gint64 i1 = f->before, i2 = f->before;
      int p1 = start_phase, p2 = start_phase;
      sessionctx::polyphase_run (*f, x.data (), 0, &i1, &p1, n, a.data ());
      sessionctx::polyphase_run_reference (*f, x.data (), 0, &i2, &p2, n,
          b.data ());
      g_assert_true (a == b);
      g_assert_cmpint (i1, ==, i2);
      g_assert_cmpint (p1, ==, p2);
      /* Every loop this CPU can run, not only the one picked. */
      for (auto isa:{sessionctx::PolyphaseIsa::sse2,
              sessionctx::PolyphaseIsa::avx2}) {
        gint64 i3 = f->before;
        int p3 = start_phase;
        std::fill (a.begin (), a.end (), 0);
        if (!sessionctx::polyphase_run_isa (isa, *f, x.data (), 0, &i3, &p3,
                n, a.data ()))
          continue;
        g_assert_true (a == b);
        g_assert_cmpint (i3, ==, i2);
        g_assert_cmpint (p3, ==, p2);
      }
    }
  }
}

/* 8 kHz → 48 kHz → 8 kHz (the default Twilio path) gives a 1 kHz tone
 * back within 60 dB; DC passes unchanged; 6 kHz does not get through to
 * 8 kHz (it would alias to 2 kHz). */
static void
test_fidelity (void)
{
  std::vector<int16_t> in = tone (1000, 8000, 24000, 10000);
  std::vector<int16_t> back = run ({48000, 8000}, run ({8000, 48000}, in,
          160), 960);
  g_assert_cmpuint (back.size (), ==, in.size ());
  double err = 0, sig = 0;
  for (size_t i = 200; i < in.size () - 200; i++) {
    err += std::pow (back[i] - in[i], 2);
    sig += std::pow (in[i], 2);
  }
  g_assert_cmpfloat (10 * std::log10 (sig / err), >, 60.0);

  std::vector<int16_t> dc (8000, 1000);
  for (const Rates & r:kRates) {
    std::vector<int16_t> out = run (r, dc, 160);
    size_t margin = out.size () / 10;
    /* Exact in ours (each phase sums to 1), ±1 in GstAudioResampler's. */
    int slack = PolyphaseFilter::get (r.in, r.out) ? 0 : 1;
    for (size_t i = margin; i < out.size () - margin; i++)
      g_assert_cmpint (std::abs (out[i] - 1000), <=, slack);
  }

  std::vector<int16_t> high = tone (6000, 48000, 48000, 10000);
  std::vector<int16_t> low = run ({48000, 8000}, high, 960);
  g_assert_cmpfloat (rms (low, 100, low.size () - 100), <,
      10000 / std::sqrt (2.0) / 1000);  /* −60 dB */
  std::vector<int16_t> pass = run ({48000, 8000}, tone (3000, 48000, 48000,
          10000), 960);
  g_assert_cmpfloat (std::fabs (rms (pass, 100, pass.size () - 100) /
          (10000 / std::sqrt (2.0)) - 1.0), <, 0.01);
}

/* Sessions at the same rates share one filter: starting one designs
 * nothing. */
static void
test_shared_filter (void)
{
  auto a = PolyphaseFilter::get (8000, 48000);
  auto b = PolyphaseFilter::get (8000, 48000);
  g_assert_true (a && a == b);
  g_assert_true (PolyphaseFilter::get (48000, 8000) != a);
  g_assert_null (PolyphaseFilter::get (47999, 48000));
  g_assert_cmpint (a->L, ==, 6);
  g_assert_cmpint (a->M, ==, 1);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/resampler/exact-and-in-place", test_exact_and_in_place);
  g_test_add_func ("/resampler/simd-matches-reference",
      test_simd_matches_reference);
  g_test_add_func ("/resampler/fidelity", test_fidelity);
  g_test_add_func ("/resampler/shared-filter", test_shared_filter);
  return g_test_run ();
}
