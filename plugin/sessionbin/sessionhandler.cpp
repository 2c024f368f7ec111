/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sessionbin/sessionhandler.h"
#include "sessionbin/handlertemplate.h"

#include <gst/sessionctx/sessionctx.h>

GST_DEBUG_CATEGORY_EXTERN (gst_session_bin_debug);
#define GST_CAT_DEFAULT gst_session_bin_debug

namespace sessionbin {

GstPad *
find_audio_pad (GstElement * element, GstPadDirection direction)
{
  GstCaps *audio = gst_caps_new_empty_simple ("audio/x-raw");
  GstPad *found = nullptr;
  GstIterator *it = direction == GST_PAD_SINK ?
      gst_element_iterate_sink_pads (element) :
      gst_element_iterate_src_pads (element);
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:{
        auto *pad = GST_PAD (g_value_get_object (&item));
        if (!gst_pad_is_linked (pad)) {
          GstCaps *caps = gst_pad_query_caps (pad, nullptr);
          bool can = gst_caps_can_intersect (caps, audio);
          gst_caps_unref (caps);
          if (can) {
            found = GST_PAD (gst_object_ref (pad));
            done = true;
          }
        }
        g_value_reset (&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        break;
      default:
        done = true;
        break;
    }
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  gst_caps_unref (audio);
  return found;
}

/* Buffers that reach the output chain without a session meta (the handler
 * dropped it, or made new buffers, e.g. appsrc) get this session's back:
 * sessionsink routes by it. */
static GstPadProbeReturn
restore_meta (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto *context = static_cast<GstSessionContext *> (data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    if (!gst_buffer_get_session_meta (buf)) {
      buf = gst_buffer_make_writable (buf);
      gst_buffer_add_session_meta (buf, context);
      GST_PAD_PROBE_INFO_DATA (info) = buf;
    }
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = gst_buffer_list_make_writable
        (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
    gst_buffer_list_foreach (list, [](GstBuffer ** buf, guint,
            gpointer ctx)->gboolean {
          if (!gst_buffer_get_session_meta (*buf)) {
            *buf = gst_buffer_make_writable (*buf);
            gst_buffer_add_session_meta (*buf,
                static_cast<GstSessionContext *> (ctx));
          }
          return TRUE;
        }, context);
    GST_PAD_PROBE_INFO_DATA (info) = list;
  }
  return GST_PAD_PROBE_OK;
}

SessionHandler::SessionHandler (GstBin * bin, GstSessionContext * context,
    GstElement * handler)
:  bin_ (bin),
    context_ (GST_SESSION_CONTEXT (g_object_ref (context))),
    log_id_ (sanitize (gst_session_context_get_id (context))),
    handler_ (GST_ELEMENT (gst_object_ref_sink (handler)))
{
  /* Known before it is added: its errors while starting are its own. */
  elements_.push_back (GST_ELEMENT (gst_object_ref (handler_)));
}

SessionHandler::~SessionHandler ()
{
  gst_object_unref (handler_);
  for (GstElement *e : elements_)
    gst_object_unref (e);
  g_object_unref (context_);
}

bool
SessionHandler::attach (GstPad * session_pad, std::string & error)
{
  if (!gst_bin_add (bin_, handler_)) {
    error = "the handler could not be added (already in a bin?)";
    return false;
  }
  handler_has_sinks_ = GST_OBJECT_FLAG_IS_SET (handler_,
      GST_ELEMENT_FLAG_SINK);

  GstPad *sink_pad = find_audio_pad (handler_, GST_PAD_SINK);
  if (!sink_pad) {
    error = "the handler has no free audio sink pad";
    return false;
  }
  GstPad *src_pad = find_audio_pad (handler_, GST_PAD_SRC);
  if (src_pad) {
    const char *chain[] = { "audioconvert", "audioresample", "sessionsink" };
    GstElement *prev = nullptr;
    for (const char *factory : chain) {
      GstElement *e = gst_element_factory_make (factory, nullptr);
      if (!e) {
        error = std::string ("element ") + factory + " is missing";
        break;
      }
      gst_bin_add (bin_, e);
      elements_.push_back (GST_ELEMENT (gst_object_ref (e)));
      if (prev && !gst_element_link (prev, e)) {
        error = std::string ("could not link to ") + factory;
        break;
      }
      prev = e;
    }
    if (error.empty ()) {
      sink_ = elements_.back ();
      /* The pipeline stays live when sessions join: no preroll. */
      g_object_set (sink_, "async", FALSE, nullptr);
      GstPad *convert_sink = gst_element_get_static_pad (elements_[1],
          "sink");
      gst_pad_add_probe (convert_sink, (GstPadProbeType)
          (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
          restore_meta, g_object_ref (context_), g_object_unref);
      if (gst_pad_link (src_pad, convert_sink) != GST_PAD_LINK_OK)
        error = "could not link the handler's source pad to audioconvert";
      gst_object_unref (convert_sink);
    }
    gst_object_unref (src_pad);
  } else if (!handler_has_sinks_) {
    error = "the handler has neither a source pad nor a sink";
  }
  if (!error.empty ()) {
    gst_object_unref (sink_pad);
    return false;
  }

  /* Downstream first, so nothing flows into an element not started. */
  for (auto it = elements_.rbegin (); it != elements_.rend (); ++it) {
    if (!gst_element_sync_state_with_parent (*it)) {
      error = std::string ("could not start ") + GST_OBJECT_NAME (*it);
      gst_object_unref (sink_pad);
      return false;
    }
  }
  if (sink_) {
    if (auto session = sessionctx::session_from_context (context_)) {
      session->hold_output ();
      held_ = session;
    }
  }
  GstPadLinkReturn link = gst_pad_link (session_pad, sink_pad);
  gst_object_unref (sink_pad);
  if (link != GST_PAD_LINK_OK) {
    error = std::string ("could not link the session to the handler: ") +
        gst_pad_link_get_name (link);
    return false;
  }
  return true;
}

bool
SessionHandler::on_eos (GstElement * child)
{
  if (child == handler_)
    handler_eos_ = true;
  else if (child == sink_)
    sink_eos_ = true;
  return (!handler_has_sinks_ || handler_eos_) && (!sink_ || sink_eos_);
}

void
SessionHandler::remove ()
{
  for (GstElement *e : elements_) {
    gst_element_set_locked_state (e, TRUE);
    gst_element_set_state (e, GST_STATE_NULL);
    if (GST_OBJECT_PARENT (e) == GST_OBJECT (bin_))
      gst_bin_remove (bin_, e);
  }
  if (auto session = held_.lock ())
    session->release_output ();
  held_.reset ();
}

}  // namespace sessionbin
