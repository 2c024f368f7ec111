/* Keyframe requests of a WebRTC peer's video, both ways.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/keyframerequests.h"

#include <gst/video/video.h>

namespace {

bool
is_keyframe_request (GstPadProbeInfo * info)
{
  return gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info));
}

GstPadProbeReturn
on_send_chain_event (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  if (is_keyframe_request (info))
    static_cast<KeyframeRequests *> (data)->count_received ();
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn
on_receive_chain_event (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  if (!is_keyframe_request (info))
    return GST_PAD_PROBE_OK;
  auto *self = static_cast<KeyframeRequests *> (data);
  return self->admit (g_get_monotonic_time ())? GST_PAD_PROBE_OK :
      GST_PAD_PROBE_DROP;
}

}  // namespace

void
KeyframeRequests::watch_send_chain (GstElement * send_chain)
{
  GstPad *src = gst_element_get_static_pad (send_chain, "src");
  if (!src)
    return;
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      on_send_chain_event, this, nullptr);
  gst_object_unref (src);
}

void
KeyframeRequests::gate_receive_chain (GstElement * receive_chain)
{
  GstPad *sink = gst_element_get_static_pad (receive_chain, "sink");
  if (!sink)
    return;
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      on_receive_chain_event, this, nullptr);
  gst_object_unref (sink);
}

void
KeyframeRequests::request (GstPad * chain_sink)
{
  /* all-headers FALSE: PLI, which every client answers. */
  gst_pad_push_event (chain_sink,
      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
          FALSE, 0));
}

void
KeyframeRequests::count_received ()
{
  counters_.requests_received++;
  if (video_)
    video_->keyframe_request_received ();
}

bool
KeyframeRequests::admit (gint64 now_us)
{
  gint64 last = last_sent_us_.load ();
  while (now_us - last >= kMinIntervalUs) {
    if (last_sent_us_.compare_exchange_weak (last, now_us)) {
      counters_.requests_sent++;
      if (video_)
        video_->keyframe_request_sent ();
      return true;
    }
  }
  counters_.requests_suppressed++;
  return false;
}
