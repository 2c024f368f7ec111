/* A mono S16 resampler that loses nothing: drained at the end, its output
 * holds exactly in * out_rate / in_rate samples, the first of them the
 * input's first.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/audio/audio.h>

#include <cstdint>
#include <vector>

/* GstAudioResampler starts with half its filter filled with zeros, so its
 * output is in place from the input's first sample (no delay to trim); it
 * only lags in count, by its look-ahead, which drain () gives back. */
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
   * exactly in * out_rate / in_rate samples. Returns how many. */
  size_t drain (std::vector<int16_t> & out);

private:
  GstAudioResampler *resampler;
  int in_rate;
  int out_rate;
  guint64 in_samples = 0;
  guint64 out_samples = 0;
};
