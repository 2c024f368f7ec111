/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sessionbin/sessionoutput.h"

#include "stream/capsquery.h"
#include "stream/syncingsink.h"

#include <gst/audio/audio.h>

GST_DEBUG_CATEGORY_EXTERN (gst_session_bin_debug);
#define GST_CAT_DEFAULT gst_session_bin_debug

using sessionctx::Session;

namespace sessionbin {

namespace {

GstStaticCaps takes = GST_STATIC_CAPS (SESSION_SEND_CAPS);

SessionOutput *
output_of (GstPad * pad)
{
  return static_cast<SessionOutput *> (gst_pad_get_element_private (pad));
}

}  // namespace

SessionOutput::SessionOutput (GstElement * bin, GstSessionContext * context,
    const std::string & log_id, std::function<void ()> on_eos)
:  bin_ (bin),
    context_ (GST_SESSION_CONTEXT (g_object_ref (context))),
    log_id_ (log_id),
    on_eos_ (std::move (on_eos)),
    pad_ (GST_PAD (gst_object_ref_sink (gst_pad_new ("session-output",
                GST_PAD_SINK))))
{
  gst_segment_init (&segment_, GST_FORMAT_TIME);
  gst_pad_set_element_private (pad_, this);
  gst_pad_set_chain_function (pad_, chain);
  gst_pad_set_chain_list_function (pad_, chain_list);
  gst_pad_set_event_function (pad_, event);
  gst_pad_set_query_function (pad_, query);
  sessionctx::mark_syncing_sink (pad_);
  gst_pad_set_active (pad_, TRUE);
}

SessionOutput::~SessionOutput ()
{
  stop ();
  deactivate ();
  gst_pad_set_element_private (pad_, nullptr);
  gst_object_unref (pad_);
  g_object_unref (context_);
}

void
SessionOutput::stop ()
{
  std::lock_guard < std::mutex > l (lock_);
  stopped_ = true;
  flushing_ = true;
  if (wait_)
    gst_clock_id_unschedule (wait_);
}

void
SessionOutput::deactivate ()
{
  gst_pad_set_active (pad_, FALSE);
  /* Linked pads hold no reference on each other: what is still linked
   * (a handler that was never removed from the bin) must not keep
   * pointing here. */
  if (GstPad * peer = gst_pad_get_peer (pad_)) {
    gst_pad_unlink (peer, pad_);
    gst_object_unref (peer);
  }
  /* What it holds goes with it (an EOS released it already). */
  send_.reset ();
}

bool
SessionOutput::query_latency (GstClockTime * min)
{
  GstQuery *query = gst_query_new_latency ();
  bool live_min = false;
  if (gst_pad_peer_query (pad_, query)) {
    gboolean live;
    GstClockTime max;
    gst_query_parse_latency (query, &live, min, &max);
    live_min = live && GST_CLOCK_TIME_IS_VALID (*min);
  }
  gst_query_unref (query);
  return live_min;
}

void
SessionOutput::set_latency (GstClockTime latency)
{
  latency_.store (latency);
  gst_pad_push_event (pad_, gst_event_new_latency (latency));
}

GstFlowReturn
SessionOutput::wait_until (GstClockTime running_time)
{
  if (!GST_CLOCK_TIME_IS_VALID (running_time))
    return GST_FLOW_OK;
  GstClock *clock = gst_element_get_clock (bin_);
  if (!clock)
    return GST_FLOW_OK;
  GstClockTime at = gst_element_get_base_time (bin_) + running_time +
      latency_.load ();
  if (gst_clock_get_time (clock) >= at) {
    gst_object_unref (clock);
    return GST_FLOW_OK;
  }
  GstClockID id = gst_clock_new_single_shot_id (clock, at);
  gst_object_unref (clock);
  {
    std::lock_guard < std::mutex > l (lock_);
    if (flushing_) {
      gst_clock_id_unref (id);
      return GST_FLOW_FLUSHING;
    }
    wait_ = id;
  }
  gst_clock_id_wait (id, nullptr);
  {
    std::lock_guard < std::mutex > l (lock_);
    wait_ = nullptr;
  }
  gst_clock_id_unref (id);
  return flushing_ ? GST_FLOW_FLUSHING : GST_FLOW_OK;
}

GstFlowReturn
SessionOutput::render (GstBuffer * buffer)
{
  if (flushing_)
    return GST_FLOW_FLUSHING;
  /* Its running time (NONE: sent at once), and its end for the gate. A
   * buffer outside the segment is dropped, as a sink drops it. */
  GstClockTime pts = GST_BUFFER_PTS_IS_VALID (buffer) ?
      GST_BUFFER_PTS (buffer) : GST_BUFFER_DTS (buffer);
  GstClockTime rt = GST_CLOCK_TIME_NONE, end = GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID (pts) && segment_.format == GST_FORMAT_TIME) {
    GstClockTime stop = GST_BUFFER_DURATION_IS_VALID (buffer) ?
        pts + GST_BUFFER_DURATION (buffer) : GST_CLOCK_TIME_NONE;
    guint64 cstart, cstop;
    if (!gst_segment_clip (&segment_, GST_FORMAT_TIME, pts, stop, &cstart,
            &cstop))
      return GST_FLOW_OK;
    rt = gst_segment_to_running_time (&segment_, GST_FORMAT_TIME, cstart);
    end = GST_CLOCK_TIME_IS_VALID (cstop) ?
        gst_segment_to_running_time (&segment_, GST_FORMAT_TIME, cstop) : rt;
  }
  if (!gate_.admit (end))
    return GST_FLOW_OK;
  if (in_rate_ <= 0)
    return GST_FLOW_NOT_NEGOTIATED;
  /* A clear from now on (a reply cut while this waits) drops it: it was
   * queued, not sent. */
  const guint64 clears = Session::clear_count ();
  GstFlowReturn ret = wait_until (rt);
  if (ret != GST_FLOW_OK)
    return ret;
  auto session = send_ ? send_->session () : nullptr;
  if (!session) {
    session = sessionctx::session_from_context (context_);
    if (session && session->is_open ())
      send_ = std::make_unique<sessionsink::SessionSend> (session, in_rate_);
  }
  if (!session || !session->is_open ()) {
    GST_DEBUG ("session %s has ended, buffer dropped", log_id_.c_str ());
    return GST_FLOW_OK;
  }
  if (session->cleared_after (clears)) {
    GST_LOG ("session %s: buffer cleared while it waited, dropped",
        log_id_.c_str ());
    return GST_FLOW_OK;
  }
  return send_->send (*session, buffer, rt) ? GST_FLOW_OK : GST_FLOW_ERROR;
}

GstFlowReturn
SessionOutput::chain (GstPad * pad, GstObject *, GstBuffer * buffer)
{
  SessionOutput *self = output_of (pad);
  GstFlowReturn ret = self ? self->render (buffer) : GST_FLOW_FLUSHING;
  gst_buffer_unref (buffer);
  return ret;
}

GstFlowReturn
SessionOutput::chain_list (GstPad * pad, GstObject *, GstBufferList * list)
{
  SessionOutput *self = output_of (pad);
  GstFlowReturn ret = self ? GST_FLOW_OK : GST_FLOW_FLUSHING;
  for (guint i = 0; ret == GST_FLOW_OK && i < gst_buffer_list_length (list);
      i++)
    ret = self->render (gst_buffer_list_get (list, i));
  gst_buffer_list_unref (list);
  return ret;
}

void
SessionOutput::finish ()
{
  if (!send_)
    return;
  size_t n = send_->drain ();
  GST_LOG ("session %s: %" G_GSIZE_FORMAT " samples drained at its end",
      log_id_.c_str (), n);
  send_.reset ();
}

bool
SessionOutput::handle_event (GstEvent * event)
{
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:{
      std::lock_guard < std::mutex > l (lock_);
      flushing_ = true;
      if (wait_)
        gst_clock_id_unschedule (wait_);
      return true;
    }
    case GST_EVENT_FLUSH_STOP:{
      std::lock_guard < std::mutex > l (lock_);
      flushing_ = stopped_;
      gst_segment_init (&segment_, GST_FORMAT_TIME);
      gate_.flushed ();
      eos_ = false;
      return true;
    }
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      GstAudioInfo info;
      gst_event_parse_caps (event, &caps);
      if (!gst_audio_info_from_caps (&info, caps))
        return false;
      if (in_rate_ != GST_AUDIO_INFO_RATE (&info))
        send_.reset ();
      in_rate_ = GST_AUDIO_INFO_RATE (&info);
      return true;
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &segment_);
      return true;
    case GST_EVENT_EOS:
      /* Everything of the session came: send the rest. */
      finish ();
      eos_ = true;
      if (on_eos_)
        on_eos_ ();
      return true;
    default:
      break;
  }
  GstSessionContext *ctx = nullptr;
  if (gst_event_parse_session_end (event, &ctx, nullptr)) {
    if (ctx == context_)
      finish ();
    g_object_unref (ctx);
  } else if (gst_event_parse_session_clear (event, &ctx)) {
    /* Drop what the session has not been sent yet; dropped at the gate
     * while a reply is cut (the session was cleared then). */
    if (!gate_.cutting ()) {
      GST_DEBUG ("session-clear for session %s", log_id_.c_str ());
      if (auto session = sessionctx::session_from_context (ctx ? ctx :
              context_))
        session->clear ();
    }
    if (ctx)
      g_object_unref (ctx);
  }
  return true;
}

gboolean
SessionOutput::event (GstPad * pad, GstObject *, GstEvent * event)
{
  SessionOutput *self = output_of (pad);
  bool ok = self && self->handle_event (event);
  gst_event_unref (event);
  return ok;
}

gboolean
SessionOutput::query (GstPad *, GstObject *, GstQuery * query)
{
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:
      sessionctx::answer_caps_query (query, gst_static_caps_get (&takes));
      return TRUE;
    case GST_QUERY_ACCEPT_CAPS:{
      GstCaps *caps, *all = gst_static_caps_get (&takes);
      gst_query_parse_accept_caps (query, &caps);
      gst_query_set_accept_caps_result (query, gst_caps_is_subset (caps,
              all));
      gst_caps_unref (all);
      return TRUE;
    }
    case GST_QUERY_DRAIN:
      /* Nothing is held: each buffer is sent before the push returns. */
      return TRUE;
    default:
      return FALSE;
  }
}

}  // namespace sessionbin
