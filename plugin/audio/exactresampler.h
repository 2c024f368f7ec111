/* A mono S16 resampler that loses nothing: drained at the end, its output
 * holds exactly in * out_rate / in_rate samples, the first of them the
 * input's first.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "audio/polyphasefilter.h"

#include <gst/audio/audio.h>

#include <cstdint>
#include <memory>
#include <vector>

/* A polyphase FIR (polyphasefilter.h: Kaiser-windowed sinc, taps shared
 * by every session at the same pair of rates, so making one costs no
 * filter design) centred on each output sample: the output is in place
 * from the input's first sample, no delay to trim; it only lags in count,
 * by the filter's look-ahead, which drain () gives back. Rates whose ratio
 * would need too many phases fall back to GstAudioResampler, which starts
 * the same way (half its filter filled with zeros). */
class ExactResampler
{
public:
  ExactResampler (int in_rate, int out_rate);
  ~ExactResampler ();
  ExactResampler (const ExactResampler &) = delete;
  ExactResampler & operator= (const ExactResampler &) = delete;

  /* How many samples resample () of @n input samples gives. */
  size_t out_frames (size_t n);
  /* @n samples of @in → out_frames (@n) samples at @out. */
  void resample (const int16_t * in, size_t n, int16_t * out);
  /* Everything still held: appended to @out so that all output so far is
   * exactly in * out_rate / in_rate samples. Returns how many. Nothing
   * may be resampled after. */
  size_t drain (std::vector<int16_t> & out);

private:
  void polyphase (size_t n_out, int16_t * out);

  std::shared_ptr<const sessionctx::PolyphaseFilter> filter;
  /* Polyphase: the input from absolute sample hist_start on (samples
   * before the first are zeros), and where the next output falls in it:
   * sample next_i, phase next_p (next output × M = next_i × L + next_p). */
  std::vector<int16_t> hist;
  gint64 hist_start = 0;
  gint64 next_i = 0;
  int next_p = 0;

  GstAudioResampler *fallback = nullptr;
  int in_rate;
  int out_rate;
  guint64 in_samples = 0;
  guint64 out_samples = 0;
};
