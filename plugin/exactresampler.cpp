/* A mono S16 resampler that loses nothing.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "exactresampler.h"

ExactResampler::ExactResampler (int in_rate, int out_rate)
:  in_rate (in_rate), out_rate (out_rate)
{
  GstStructure *options = gst_structure_new_empty ("options");
  gst_audio_resampler_options_set_quality (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      GST_AUDIO_RESAMPLER_QUALITY_DEFAULT, in_rate, out_rate, options);
  resampler = gst_audio_resampler_new (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      GST_AUDIO_RESAMPLER_FLAG_NONE, GST_AUDIO_FORMAT_S16, 1, in_rate,
      out_rate, options);
  gst_structure_free (options);
}

ExactResampler::~ExactResampler ()
{
  gst_audio_resampler_free (resampler);
}

size_t
ExactResampler::out_frames (size_t n)
{
  return gst_audio_resampler_get_out_frames (resampler, n);
}

void
ExactResampler::resample (const int16_t * in, size_t n, int16_t * out)
{
  size_t out_n = out_frames (n);
  gpointer in_ptr = (gpointer) in;
  gpointer out_ptr = out;
  gst_audio_resampler_resample (resampler, &in_ptr, n,
      out_n ? &out_ptr : nullptr, out_n);
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
  /* Silence after the end pushes out what the filter still looks ahead
   * for; what it gives beyond the end is cut off. */
  const size_t missing = expected - out_samples;
  const size_t start = out.size ();
  std::vector<int16_t> zeros (gst_audio_resampler_get_max_latency
      (resampler) + 1, 0);
  while (out.size () - start < missing) {
    size_t n = out_frames (zeros.size ());
    if (n == 0) {
      out.resize (start + missing, 0);
      break;
    }
    size_t at = out.size ();
    out.resize (at + n);
    gpointer in_ptr = zeros.data ();
    gpointer out_ptr = out.data () + at;
    gst_audio_resampler_resample (resampler, &in_ptr, zeros.size (),
        &out_ptr, n);
  }
  out.resize (start + missing);
  out_samples = expected;
  return missing;
}
