/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sessionbin/outputgate.h"

GST_DEBUG_CATEGORY_EXTERN (gst_session_bin_debug);
#define GST_CAT_DEFAULT gst_session_bin_debug

namespace sessionbin {

OutputGate::OutputGate (GstSessionContext * context)
:  context_ (GST_SESSION_CONTEXT (g_object_ref (context)))
{
  gst_segment_init (&segment_, GST_FORMAT_TIME);
}

OutputGate::~OutputGate ()
{
  g_object_unref (context_);
}

void
OutputGate::attach (const std::shared_ptr<OutputGate> & gate, GstPad * pad)
{
  gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_BUFFER_LIST |
          GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM), probe,
      new std::shared_ptr<OutputGate> (gate), [](gpointer data) {
        delete static_cast<std::shared_ptr<OutputGate> *> (data);
      });
}

bool
OutputGate::cut (GstClockTime now)
{
  std::lock_guard < std::mutex > l (lock_);
  bool playing = GST_CLOCK_TIME_IS_VALID (played_until_) &&
      (!GST_CLOCK_TIME_IS_VALID (now) || played_until_ + kGrace > now);
  if (playing)
    cutting_ = true;
  return playing;
}

void
OutputGate::resume ()
{
  std::lock_guard < std::mutex > l (lock_);
  if (cutting_)
    GST_DEBUG ("a cut reply: %" G_GUINT64_FORMAT " buffers dropped",
        dropped_);
  cutting_ = false;
  dropped_ = 0;
}

bool
OutputGate::cutting () const
{
  std::lock_guard < std::mutex > l (lock_);
  return cutting_;
}

bool
OutputGate::admit (GstBuffer * buf)
{
  std::lock_guard < std::mutex > l (lock_);
  if (cutting_) {
    dropped_++;
    return false;
  }
  if (GST_BUFFER_PTS_IS_VALID (buf)) {
    GstClockTime end = GST_BUFFER_PTS (buf);
    if (GST_BUFFER_DURATION_IS_VALID (buf))
      end += GST_BUFFER_DURATION (buf);
    GstClockTime rt = gst_segment_to_running_time (&segment_,
        GST_FORMAT_TIME, end);
    if (GST_CLOCK_TIME_IS_VALID (rt))
      played_until_ = rt;
  }
  return true;
}

/* Buffers made without the session's meta (an appsrc's) get it back:
 * sessionsink routes by it. */
GstPadProbeReturn
OutputGate::probe (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  OutputGate *gate = static_cast<std::shared_ptr<OutputGate> *> (data)->get ();
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    if (!gate->admit (buf))
      return GST_PAD_PROBE_DROP;
    if (!gst_buffer_get_session_meta (buf)) {
      buf = gst_buffer_make_writable (buf);
      gst_buffer_add_session_meta (buf, gate->context_);
      GST_PAD_PROBE_INFO_DATA (info) = buf;
    }
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = gst_buffer_list_make_writable
        (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
    for (guint i = 0; i < gst_buffer_list_length (list);) {
      if (!gate->admit (gst_buffer_list_get (list, i))) {
        gst_buffer_list_remove (list, i, 1);
        continue;
      }
      if (!gst_buffer_get_session_meta (gst_buffer_list_get (list, i)))
        gst_buffer_add_session_meta (gst_buffer_list_get_writable (list, i),
            gate->context_);
      i++;
    }
    GST_PAD_PROBE_INFO_DATA (info) = list;
    if (gst_buffer_list_length (list) == 0)
      return GST_PAD_PROBE_DROP;
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
      std::lock_guard < std::mutex > l (gate->lock_);
      gst_event_copy_segment (event, &gate->segment_);
    } else if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP) {
      std::lock_guard < std::mutex > l (gate->lock_);
      gst_segment_init (&gate->segment_, GST_FORMAT_TIME);
      gate->played_until_ = GST_CLOCK_TIME_NONE;
    } else if (gst_event_has_name (event, GST_SESSION_CLEAR_EVENT_NAME) &&
        gate->cutting ()) {
      return GST_PAD_PROBE_DROP;
    }
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace sessionbin
