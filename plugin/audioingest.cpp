/* Per-session audio into sessionsrc.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "audioingest.h"

#include "mulaw.h"

#include <gst/sessionctx/sessionctx.h>

using sessionctx::Session;

GstClockTime
now_running_time (GstElement * element)
{
  GstClock *clock = gst_element_get_clock (element);
  if (!clock)
    return GST_CLOCK_TIME_NONE;
  GstClockTime now = gst_clock_get_time (clock);
  GstClockTime base = gst_element_get_base_time (element);
  gst_object_unref (clock);
  return now > base ? now - base : 0;
}

AudioIngest::AudioIngest (GstElement * element, int in_rate, int out_rate)
:  element (element), in_rate (in_rate), out_rate (out_rate)
{
  if (in_rate != out_rate) {
    GstStructure *options = gst_structure_new_empty ("options");
    gst_audio_resampler_options_set_quality
        (GST_AUDIO_RESAMPLER_METHOD_KAISER,
        GST_AUDIO_RESAMPLER_QUALITY_DEFAULT, in_rate, out_rate, options);
    resampler = gst_audio_resampler_new
        (GST_AUDIO_RESAMPLER_METHOD_KAISER, GST_AUDIO_RESAMPLER_FLAG_NONE,
        GST_AUDIO_FORMAT_S16, 1, in_rate, out_rate, options);
    gst_structure_free (options);
  }
}

AudioIngest::~AudioIngest ()
{
  if (resampler)
    gst_audio_resampler_free (resampler);
}

/* @len bytes as @encoding → @n native 16-bit samples at @out. */
static void
decode_audio (sessionctx::Encoding encoding, const uint8_t * data, size_t n,
    int16_t * out)
{
  switch (encoding) {
    case sessionctx::Encoding::mulaw:
      sessionctx::mulaw_decode_block (data, n, out);
      break;
    case sessionctx::Encoding::l16:
      for (size_t i = 0; i < n; i++)
        out[i] = (int16_t) GST_READ_UINT16_BE (data + 2 * i);
      break;
    case sessionctx::Encoding::s16le:
      for (size_t i = 0; i < n; i++)
        out[i] = (int16_t) GST_READ_UINT16_LE (data + 2 * i);
      break;
  }
}

void
AudioIngest::media (Session & s, sessionctx::Encoding encoding,
    const uint8_t * data, size_t len)
{
  const size_t n = encoding == sessionctx::Encoding::mulaw ? len : len / 2;
  if (n == 0)
    return;
  if (!resampler) {
    /* Decoded straight into the buffer that goes downstream. */
    in_samples += n;
    GstBuffer *buf = gst_buffer_new_allocate (nullptr, n * 2, nullptr);
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    decode_audio (encoding, data, n, reinterpret_cast<int16_t *> (map.data));
    gst_buffer_unmap (buf, &map);
    push_buffer (s, buf, n);
    return;
  }
  decoded.resize (n);
  decode_audio (encoding, data, n, decoded.data ());
  push_audio (s, decoded.data (), n, false);
}

void
AudioIngest::drain (Session & s)
{
  if (resampler)
    push_audio (s, nullptr, 0, true);
}

/* Resamples @pcm (at the session's input rate) to the output rate and
 * queues it as one buffer with the session meta. With @drain, flushes the
 * resampler so that the session's output holds exactly
 * in_samples * out_rate / in_rate samples. Sessions at the output rate
 * have no resampler (media () decodes into the buffer itself):
 * nothing to do here. */
void
AudioIngest::push_audio (Session & s, const int16_t * pcm, size_t n,
    bool drain)
{
  if (!resampler)
    return;
  in_samples += n;
  std::vector<int16_t> zeros;
  if (drain) {
    /* Feed silence to push out what the filter still holds. */
    n = gst_audio_resampler_get_max_latency (resampler) + 1;
    zeros.assign (n, 0);
    pcm = zeros.data ();
  }
  size_t out_n = gst_audio_resampler_get_out_frames (resampler, n);
  if (drain) {
    guint64 expected = gst_util_uint64_scale (in_samples, out_rate,
        in_rate);
    out_n = expected > out_samples ?
        MIN (out_n, expected - out_samples) : 0;
  }
  if (out_n == 0) {
    gst_audio_resampler_resample (resampler, (gpointer *) & pcm, n,
        nullptr, 0);
    return;
  }
  size_t produced = gst_audio_resampler_get_out_frames (resampler, n);
  GstBuffer *buf = gst_buffer_new_allocate (nullptr, produced * 2, nullptr);
  GstMapInfo map;
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  gpointer in_ptr = (gpointer) pcm;
  gpointer out_ptr = map.data;
  gst_audio_resampler_resample (resampler, &in_ptr, n, &out_ptr,
      produced);
  gst_buffer_unmap (buf, &map);
  if (produced != out_n)
    gst_buffer_resize (buf, 0, out_n * 2);
  push_buffer (s, buf, out_n);
}

/* Timestamps @buf (@out_n samples at the output rate), attaches the
 * session's context and queues it on the session's pad. */
void
AudioIngest::push_buffer (Session & s, GstBuffer * buf, size_t out_n)
{
  GST_BUFFER_PTS (buf) = now_running_time (element);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (out_n, GST_SECOND,
      out_rate);
  GST_BUFFER_OFFSET (buf) = out_samples;
  GST_BUFFER_OFFSET_END (buf) = out_samples + out_n;
  if (out_samples == 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  out_samples += out_n;
  gst_buffer_add_session_meta (buf, s.context ());
  out->push (GST_MINI_OBJECT_CAST (buf));
}
