/* The resampling of one 20 ms frame on the default Twilio path (8 kHz in,
 * 48 kHz pipeline, 8 kHz back) and the cost of a session's resamplers:
 * ExactResampler (shared polyphase filter) against GstAudioResampler at
 * the quality sessionctx used before (Kaiser, default quality).
 *   taskset -c 1 build/tests/bench/bench-resample
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "audio/exactresampler.h"

#include <benchmark/benchmark.h>
#include <gst/audio/audio.h>

#include <cmath>
#include <vector>

namespace {

std::vector<int16_t>
speech_like (size_t n)
{
  std::vector<int16_t> v (n);
  for (size_t i = 0; i < n; i++)
    v[i] = (int16_t) (6000 * std::sin (i * 0.31) + 2000 * std::sin (i * 1.7));
  return v;
}

GstAudioResampler *
gst_resampler (int in, int out)
{
  GstStructure *options = gst_structure_new_empty ("options");
  gst_audio_resampler_options_set_quality (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      GST_AUDIO_RESAMPLER_QUALITY_DEFAULT, in, out, options);
  GstAudioResampler *r = gst_audio_resampler_new
      (GST_AUDIO_RESAMPLER_METHOD_KAISER, GST_AUDIO_RESAMPLER_FLAG_NONE,
      GST_AUDIO_FORMAT_S16, 1, in, out, options);
  gst_structure_free (options);
  return r;
}

/* One frame of @in_n samples from in to out (arg 0: in, arg 1: out). */
void
BM_ExactResampler (benchmark::State & state)
{
  const int in = state.range (0), out = state.range (1);
  const size_t n = in / 50;
  ExactResampler r (in, out);
  auto x = speech_like (n);
  std::vector<int16_t> y (n * out / in + 64);
  for (auto _:state) {
    r.resample (x.data (), n, y.data ());
    benchmark::DoNotOptimize (y.data ());
  }
}
BENCHMARK (BM_ExactResampler)->Args ({8000, 48000})->Args ({48000, 8000})
    ->Args ({24000, 48000})->Args ({48000, 24000});

void
BM_GstAudioResampler (benchmark::State & state)
{
  const int in = state.range (0), out = state.range (1);
  const size_t n = in / 50;
  GstAudioResampler *r = gst_resampler (in, out);
  auto x = speech_like (n);
  std::vector<int16_t> y (n * out / in + 64);
  for (auto _:state) {
    gsize out_n = gst_audio_resampler_get_out_frames (r, n);
    gpointer ip = x.data (), op = y.data ();
    gst_audio_resampler_resample (r, &ip, n, &op, out_n);
    benchmark::DoNotOptimize (y.data ());
  }
  gst_audio_resampler_free (r);
}
BENCHMARK (BM_GstAudioResampler)->Args ({8000, 48000})->Args ({48000, 8000})
    ->Args ({24000, 48000})->Args ({48000, 24000});

/* A Twilio session's two resamplers (sessionsrc's up, sessionsink's
 * down) and their first frame (GstAudioResampler builds its filter
 * lazily): what starting a session costs in resampling. */
void
BM_SessionResamplersExact (benchmark::State & state)
{
  auto x = speech_like (960);
  std::vector<int16_t> y (1024);
  for (auto _:state) {
    ExactResampler up (8000, 48000), down (48000, 8000);
    up.resample (x.data (), 160, y.data ());
    down.resample (x.data (), 960, y.data ());
    benchmark::DoNotOptimize (y.data ());
  }
}
BENCHMARK (BM_SessionResamplersExact);

void
BM_SessionResamplersGst (benchmark::State & state)
{
  auto x = speech_like (960);
  std::vector<int16_t> y (1024);
  for (auto _:state) {
    GstAudioResampler *up = gst_resampler (8000, 48000);
    GstAudioResampler *down = gst_resampler (48000, 8000);
    gpointer ip = x.data (), op = y.data ();
    gst_audio_resampler_resample (up, &ip, 160, &op,
        gst_audio_resampler_get_out_frames (up, 160));
    ip = x.data ();
    op = y.data ();
    gst_audio_resampler_resample (down, &ip, 960, &op,
        gst_audio_resampler_get_out_frames (down, 960));
    benchmark::DoNotOptimize (y.data ());
    gst_audio_resampler_free (up);
    gst_audio_resampler_free (down);
  }
}
BENCHMARK (BM_SessionResamplersGst);

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  benchmark::Initialize (&argc, argv);
  benchmark::RunSpecifiedBenchmarks ();
  return 0;
}
