/* A source pad of sessionsrc with its own queue and streaming task.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "outputpad.h"

/* sessionsrc's category: these pads are its pads. */
GST_DEBUG_CATEGORY_EXTERN (gst_session_src_debug);
#define GST_CAT_DEFAULT gst_session_src_debug

static void
pad_loop (gpointer data)
{
  auto *out = static_cast<OutputPad *> (data);
  GstMiniObject *obj = out->pop ();
  if (!obj) {
    gst_pad_pause_task (out->pad);
    return;
  }
  if (GST_IS_BUFFER (obj)) {
    GstFlowReturn ret = gst_pad_push (out->pad, GST_BUFFER (obj));
    if (ret == GST_FLOW_OK)
      return;
    if (ret == GST_FLOW_NOT_LINKED && out->is_session_pad) {
      GST_LOG_OBJECT (out->pad, "session %s: pad not linked, buffer dropped",
          out->session_id.c_str ());
      return;
    }
    if (ret == GST_FLOW_FLUSHING) {
      gst_pad_pause_task (out->pad);
      return;
    }
    if (ret == GST_FLOW_EOS) {
      GST_DEBUG_OBJECT (out->pad, "downstream is EOS");
      return;
    }
    GST_ELEMENT_FLOW_ERROR (out->element, ret);
    gst_pad_pause_task (out->pad);
    return;
  }

  GstEvent *event = GST_EVENT (obj);
  bool eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;
  gst_pad_push_event (out->pad, event);
  if (!eos || !out->is_session_pad)
    return;

  /* The session is over: stop this task; the owner removes the pad (from
   * another thread: a task cannot join itself). */
  gst_pad_pause_task (out->pad);
  out->owner->session_pad_finished (out);
}

static gboolean
pad_activate_mode (GstPad * pad, GstObject * parent, GstPadMode mode,
    gboolean active)
{
  auto *out = static_cast<OutputPad *> (gst_pad_get_element_private (pad));
  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    out->set_flushing (false);
    return gst_pad_start_task (pad, pad_loop, out, nullptr);
  }
  out->set_flushing (true);
  return gst_pad_stop_task (pad);
}

static gboolean
pad_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  auto *out = static_cast<OutputPad *> (gst_pad_get_element_private (pad));
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
      /* Buffers are stamped with their arrival time: live, no added
       * latency. */
      gst_query_set_latency (query, TRUE, 0, GST_CLOCK_TIME_NONE);
      return TRUE;
    case GST_QUERY_CAPS:{
      GstCaps *filter, *caps;
      gst_query_parse_caps (query, &filter);
      caps = out->owner->output_caps ();
      if (filter) {
        GstCaps *tmp = gst_caps_intersect_full (filter, caps,
            GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref (caps);
        caps = tmp;
      }
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

std::shared_ptr<OutputPad>
make_output_pad (GstElement * element, OutputPad::Owner * owner,
    GstStaticPadTemplate * templ, const gchar * name)
{
  auto out = std::make_shared<OutputPad> ();
  out->element = element;
  out->owner = owner;
  out->pad = GST_PAD (gst_object_ref_sink (gst_pad_new_from_static_template
          (templ, name)));
  gst_pad_set_element_private (out->pad, out.get ());
  gst_pad_set_activatemode_function (out->pad, pad_activate_mode);
  gst_pad_set_query_function (out->pad, pad_query);
  return out;
}
