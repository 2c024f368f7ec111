/* Per-session audio into sessionsrc.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "audio/audioingest.h"

#include "wire/mulaw.h"

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
:  element (element), out_rate (out_rate)
{
  if (in_rate != out_rate)
    resampler = std::make_unique<ExactResampler> (in_rate, out_rate);
}

AudioIngest::~AudioIngest () = default;

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
  /* The first buffers are shorter by the filter's look-ahead (its output
   * is in place, only later); drain () gives it back. */
  size_t out_n = resampler->out_frames (n);
  if (out_n == 0) {
    resampler->resample (decoded.data (), n, nullptr);
    return;
  }
  GstBuffer *buf = gst_buffer_new_allocate (nullptr, out_n * 2, nullptr);
  GstMapInfo map;
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  resampler->resample (decoded.data (), n,
      reinterpret_cast<int16_t *> (map.data));
  gst_buffer_unmap (buf, &map);
  push_buffer (s, buf, out_n);
}

/* Queues what the resampler still holds, so that the session's output
 * holds exactly its input's duration at the output rate. Sessions at the
 * output rate have no resampler: nothing is held. */
void
AudioIngest::drain (Session & s)
{
  if (!resampler)
    return;
  decoded.clear ();
  size_t n = resampler->drain (decoded);
  if (n == 0)
    return;
  GstBuffer *buf = gst_buffer_new_memdup (decoded.data (), n * 2);
  push_buffer (s, buf, n);
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
  s.note_input_backlog (out->push (GST_MINI_OBJECT_CAST (buf)));
}
