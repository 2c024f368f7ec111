/* Whether a buffer reaching a GstBaseSink may be rendered at once.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sessionsink/duenow.h"

namespace sessionsink {

GstClockTime
due_running_time (GstBaseSink * sink)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (sink));
  if (!clock)
    return GST_CLOCK_TIME_NONE;
  GstClockTimeDiff due = GST_CLOCK_DIFF (gst_element_get_base_time
      (GST_ELEMENT (sink)), gst_clock_get_time (clock));
  gst_object_unref (clock);
  due -= gst_base_sink_get_latency (sink);
  due -= gst_base_sink_get_ts_offset (sink);
  due += gst_base_sink_get_render_delay (sink);
  return due > 0 ? (GstClockTime) due : 0;
}

bool
due_now_locked (GstBaseSink * sink, GstBuffer * buffer)
{
  if (sink->flushing || sink->eos || sink->need_preroll
      || sink->segment.format != GST_FORMAT_TIME
      || sink->segment.rate != 1.0)
    return false;
  {
    /* A state change sets the pending state before it takes the preroll
     * lock: none may be under way. */
    GstObject *object = GST_OBJECT (sink);
    GST_OBJECT_LOCK (object);
    bool playing = GST_STATE (sink) == GST_STATE_PLAYING
        && GST_STATE_PENDING (sink) == GST_STATE_VOID_PENDING;
    GST_OBJECT_UNLOCK (object);
    if (!playing)
      return false;
  }
  if (gst_base_sink_is_qos_enabled (sink)
      || gst_base_sink_is_last_sample_enabled (sink))
    return false;
  GstClockTime pts = GST_BUFFER_PTS_IS_VALID (buffer) ?
      GST_BUFFER_PTS (buffer) : GST_BUFFER_DTS (buffer);
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return false;
  /* Outside the segment basesink clips or drops it. */
  GstClockTime stop = GST_BUFFER_DURATION_IS_VALID (buffer) ?
      pts + GST_BUFFER_DURATION (buffer) : GST_CLOCK_TIME_NONE;
  guint64 cstart, cstop;
  if (!gst_segment_clip (&sink->segment, GST_FORMAT_TIME, pts, stop,
          &cstart, &cstop) || cstart != pts
      || (GST_CLOCK_TIME_IS_VALID (stop) && cstop != stop))
    return false;
  if (!gst_base_sink_get_sync (sink))
    return true;
  GstClockTime rt = gst_segment_to_running_time (&sink->segment,
      GST_FORMAT_TIME, pts);
  GstClockTime due = due_running_time (sink);
  return GST_CLOCK_TIME_IS_VALID (rt) && GST_CLOCK_TIME_IS_VALID (due)
      && rt <= due;
}

}  // namespace sessionsink
