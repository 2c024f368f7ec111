/* A mono S16 resampler that loses nothing.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "audio/exactresampler.h"

#include <cstring>

using sessionctx::PolyphaseFilter;

ExactResampler::ExactResampler (int in_rate, int out_rate)
:  filter (PolyphaseFilter::get (in_rate, out_rate)), in_rate (in_rate),
    out_rate (out_rate)
{
  if (filter) {
    /* The samples before the first are zeros. */
    hist.assign (filter->before, 0);
    hist_start = -filter->before;
    return;
  }
  GstStructure *options = gst_structure_new_empty ("options");
  gst_audio_resampler_options_set_quality (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      GST_AUDIO_RESAMPLER_QUALITY_DEFAULT, in_rate, out_rate, options);
  fallback = gst_audio_resampler_new (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      GST_AUDIO_RESAMPLER_FLAG_NONE, GST_AUDIO_FORMAT_S16, 1, in_rate,
      out_rate, options);
  gst_structure_free (options);
}

ExactResampler::~ExactResampler ()
{
  if (fallback)
    gst_audio_resampler_free (fallback);
}

size_t
ExactResampler::out_frames (size_t n)
{
  if (fallback)
    return gst_audio_resampler_get_out_frames (fallback, n);
  /* Output k needs input up to floor (k × M / L) + after: those with
   * floor (k × M / L) <= last are ready. */
  const gint64 last = (gint64) (in_samples + n) - 1 - filter->after;
  if (last < 0)
    return 0;
  const guint64 ready = ((guint64) (last + 1) * filter->L + filter->M - 1) /
      filter->M;
  return ready > out_samples ? (size_t) (ready - out_samples) : 0;
}

/* @n_out outputs from what hist holds, then forgets the input no later
 * output needs. */
void
ExactResampler::polyphase (size_t n_out, int16_t * out)
{
  const size_t valid = hist.size ();
  /* The taps are padded with zeros past the window: readable, unused. */
  hist.resize (valid + filter->taps);
  sessionctx::polyphase_run (*filter, hist.data (), hist_start, &next_i,
      &next_p, n_out, out);
  hist.resize (valid);
  const gint64 keep_from = next_i - filter->before;
  if (keep_from > hist_start) {
    size_t drop = MIN ((size_t) (keep_from - hist_start), valid);
    hist.erase (hist.begin (), hist.begin () + drop);
    hist_start += drop;
  }
}

void
ExactResampler::resample (const int16_t * in, size_t n, int16_t * out)
{
  size_t out_n = out_frames (n);
  if (fallback) {
    gpointer in_ptr = (gpointer) in;
    gpointer out_ptr = out;
    gst_audio_resampler_resample (fallback, &in_ptr, n,
        out_n ? &out_ptr : nullptr, out_n);
  } else {
    hist.insert (hist.end (), in, in + n);
    in_samples += n;
    if (out_n)
      polyphase (out_n, out);
    out_samples += out_n;
    return;
  }
  in_samples += n;
  out_samples += out_n;
}

size_t
ExactResampler::drain (std::vector<int16_t> & out)
{
  const guint64 expected = gst_util_uint64_scale (in_samples, out_rate,
      in_rate);
  if (expected <= out_samples)
    return 0;
  const size_t missing = expected - out_samples;
  const size_t start = out.size ();
  if (!fallback) {
    /* Zeros after the end for the look-ahead of the last outputs. */
    hist.resize (hist.size () + filter->after + 1, 0);
    out.resize (start + missing);
    polyphase (missing, out.data () + start);
    out_samples = expected;
    return missing;
  }
  /* Silence after the end pushes out what the filter still looks ahead
   * for; what it gives beyond the end is cut off. */
  std::vector<int16_t> zeros (gst_audio_resampler_get_max_latency
      (fallback) + 1, 0);
  while (out.size () - start < missing) {
    size_t n = gst_audio_resampler_get_out_frames (fallback, zeros.size ());
    if (n == 0) {
      out.resize (start + missing, 0);
      break;
    }
    size_t at = out.size ();
    out.resize (at + n);
    gpointer in_ptr = zeros.data ();
    gpointer out_ptr = out.data () + at;
    gst_audio_resampler_resample (fallback, &in_ptr, zeros.size (),
        &out_ptr, n);
  }
  out.resize (start + missing);
  out_samples = expected;
  return missing;
}
