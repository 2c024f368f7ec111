/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sessionbin/sessionhandler.h"
#include "sessionbin/handlertemplate.h"
#include "sessionbin/sessionoutput.h"

#include <gst/app/gstappsink.h>

#include <gst/sessionctx/sessionctx.h>

GST_DEBUG_CATEGORY_EXTERN (gst_session_bin_debug);
#define GST_CAT_DEFAULT gst_session_bin_debug

namespace sessionbin {

using sessionctx::MediaKind;

/* The first unlinked pad of @direction whose caps can be @raw; with
 * @any_too, also one that answers ANY (an appsrc or a ghost pad before it
 * starts), else those are skipped. */
static GstPad *
find_pad_with_caps (GstElement * element, GstPadDirection direction,
    GstCaps * raw, bool any_too)
{
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
          bool can = (any_too || !gst_caps_is_any (caps)) &&
              gst_caps_can_intersect (caps, raw);
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
  return found;
}

GstPad *
find_pad_of_kind (GstElement * element, GstPadDirection direction,
    MediaKind kind)
{
  /* A pad that names its kind first: an application's bin may ghost an
   * appsrc whose pad answers ANY until it runs, and that pad must not take
   * another kind's place. */
  GstCaps *raw = gst_caps_new_empty_simple (kind == MediaKind::audio ?
      "audio/x-raw" : "video/x-raw");
  GstPad *found = find_pad_with_caps (element, direction, raw, false);
  if (!found)
    found = find_pad_with_caps (element, direction, raw, true);
  gst_caps_unref (raw);
  return found;
}

bool
pad_media_kind (GstPad * pad, MediaKind * kind)
{
  /* Its caps, or before they are known (video's come with the stream) its
   * template's. */
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_get_pad_template_caps (pad);
  if (!caps)
    return false;
  bool known = !gst_caps_is_empty (caps) && !gst_caps_is_any (caps) &&
      sessionctx::media_kind_from_name (gst_structure_get_name
      (gst_caps_get_structure (caps, 0)), kind);
  gst_caps_unref (caps);
  return known;
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

/* The video output stage's appsink: each frame to the session's peer
 * (its video send chain encodes it). */
static GstFlowReturn
send_video_sample (GstAppSink * sink, gpointer data)
{
  auto *held = static_cast<std::weak_ptr<sessionctx::Session> *> (data);
  GstSample *sample = gst_app_sink_pull_sample (sink);
  if (!sample)
    return GST_FLOW_EOS;
  if (auto session = held->lock ())
    session->send_video (sample);
  else
    gst_sample_unref (sample);
  return GST_FLOW_OK;
}

bool
SessionHandler::add_chain (std::initializer_list<const char *> factories,
    std::vector<GstElement *> & stage, std::string & error)
{
  for (const char *factory : factories) {
    GstElement *e = gst_element_factory_make (factory, nullptr);
    if (!e) {
      error = std::string ("element ") + factory + " is missing";
      return false;
    }
    gst_bin_add (bin_, e);
    elements_.push_back (GST_ELEMENT (gst_object_ref (e)));
    if (!stage.empty () && !gst_element_link (stage.back (), e)) {
      error = std::string ("could not link to ") + factory;
      return false;
    }
    stage.push_back (e);
  }
  return true;
}

bool
SessionHandler::add_video_output_stage (GstPad * src_pad, std::string & error)
{
  /* An appsink alone, on the thread that runs the handler (no queue, no
   * thread of its own): each frame goes straight to the peer's send
   * chain, whose appsrc never blocks (it holds what waits for its time,
   * leaky, the oldest dropped and counted first) and whose own thread
   * converts, scales and encodes. So a slow encoder never holds the
   * handler up. Any raw video in system memory: the send chain converts
   * it to what the encoder takes. */
  std::vector<GstElement *> stage;
  if (!add_chain ({"appsink"}, stage, error))
    return false;
  GstElement *sink = stage.back ();
  GstCaps *caps = gst_caps_from_string ("video/x-raw");
  g_object_set (sink, "async", FALSE, "sync", FALSE, "caps", caps,
      "max-buffers", 2, "drop", TRUE, "enable-last-sample", FALSE, NULL);
  gst_caps_unref (caps);
  GstAppSinkCallbacks callbacks = { };
  callbacks.new_sample = send_video_sample;
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks,
      new std::weak_ptr<sessionctx::Session> (sessionctx::session_from_context
          (context_)), [](gpointer data) {
        delete static_cast<std::weak_ptr<sessionctx::Session> *> (data);
      });
  output_sinks_.push_back ({sink, false});
  GstPad *stage_sink = gst_element_get_static_pad (sink, "sink");
  if (gst_pad_link (src_pad, stage_sink) != GST_PAD_LINK_OK)
    error = "could not link the handler's video source pad";
  gst_object_unref (stage_sink);
  return error.empty ();
}

/* Whether whatever @src_pad (a handler's audio source pad, the handler
 * linked to its session) can send is something the output takes as it is
 * (S16LE mono at a rate it resamples itself): then its output stage needs
 * no audioconvert ! audioresample, two elements on every buffer's way. An
 * identity handler, or one ending in a capsfilter of that format, sends
 * the session's own caps. */
static bool
takes_output_as_is (GstPad * src_pad)
{
  static GstStaticCaps takes_caps = GST_STATIC_CAPS (SESSION_SEND_CAPS);
  GstCaps *takes = gst_static_caps_get (&takes_caps);
  GstCaps *sends = gst_pad_query_caps (src_pad, nullptr);
  bool as_is = !gst_caps_is_empty (sends) && !gst_caps_is_any (sends)
      && gst_caps_is_subset (sends, takes);
  gst_caps_unref (sends);
  gst_caps_unref (takes);
  return as_is;
}

bool
SessionHandler::add_output_stage (MediaKind kind, GstPad * src_pad,
    std::string & error)
{
  /* Video: encoded and sent on the peer's video track. Audio: any raw
   * format and rate, converted to what the output takes. */
  if (kind == MediaKind::video)
    return add_video_output_stage (src_pad, error);
  std::vector<GstElement *> stage;
  bool converted = !takes_output_as_is (src_pad);
  if (converted && !add_chain ({"audioconvert", "audioresample"}, stage,
          error))
    return false;
  auto output = std::make_unique<SessionOutput> (GST_ELEMENT (bin_),
      context_, log_id_, output_finished);
  GstPad *out_pad = output->pad ();
  {
    std::lock_guard < std::mutex > l (cut_lock_);
    outputs_.push_back (std::move (output));
  }
  GstPad *from = src_pad;
  if (converted) {
    GstPad *entry = gst_element_get_static_pad (stage.front (), "sink");
    if (gst_pad_link (src_pad, entry) != GST_PAD_LINK_OK)
      error = "could not link the handler's source pad to audioconvert";
    gst_object_unref (entry);
    from = gst_element_get_static_pad (stage.back (), "src");
  }
  if (error.empty () && gst_pad_link (from, out_pad) != GST_PAD_LINK_OK)
    error = "could not link the handler's source pad to the session's "
        "output";
  if (converted)
    gst_object_unref (from);
  return error.empty ();
}

bool
SessionHandler::start (std::string & error, MediaKind kind, GstPad * first)
{
  if (!gst_bin_add (bin_, handler_)) {
    error = "the handler could not be added (already in a bin?)";
    return false;
  }
  /* Linked first: what the handler's source pads can carry then follows
   * from what the session gives it (an output stage needs no converters
   * for a handler whose output is already what the output takes). */
  if (first && !link (kind, first, error))
    return false;
  handler_has_sinks_ = GST_OBJECT_FLAG_IS_SET (handler_,
      GST_ELEMENT_FLAG_SINK);

  /* An output stage for each kind the client receives and the handler
   * has a source pad of. */
  auto session = sessionctx::session_from_context (context_);
  bool has_src = false;
  for (MediaKind kind : sessionctx::kMediaKinds) {
    GstPad *src_pad = find_pad_of_kind (handler_, GST_PAD_SRC, kind);
    if (!src_pad)
      continue;
    has_src = true;
    bool ok = true;
    if (!session || session->receives (kind))
      ok = add_output_stage (kind, src_pad, error);
    gst_object_unref (src_pad);
    if (!ok)
      return false;
  }
  if (!has_src && !handler_has_sinks_) {
    error = "the handler has neither a source pad nor a sink";
    return false;
  }
  /* What is left (a kind the client does not receive) ends in a fakesink:
   * not sent back, and no not-linked error for the handler. */
  for (MediaKind kind : sessionctx::kMediaKinds) {
    while (GstPad * src_pad = find_pad_of_kind (handler_, GST_PAD_SRC, kind)) {
      GstElement *drop = gst_element_factory_make ("fakesink", nullptr);
      g_object_set (drop, "sync", FALSE, "async", FALSE, NULL);
      gst_bin_add (bin_, drop);
      elements_.push_back (GST_ELEMENT (gst_object_ref (drop)));
      GstPad *drop_sink = gst_element_get_static_pad (drop, "sink");
      GstPadLinkReturn link = gst_pad_link (src_pad, drop_sink);
      gst_object_unref (drop_sink);
      gst_object_unref (src_pad);
      if (link != GST_PAD_LINK_OK) {
        error = "could not link the handler's unused source pad";
        return false;
      }
    }
  }

  /* The handler prerolls on its own. A sink that prerolls (appsink,
   * filesink, fakesink by default) would otherwise take the server's
   * PLAYING away until its first buffer, so that every handler started
   * meanwhile starts PAUSED and its sinks wait; and a bin that also holds
   * a live source (appsrc is-live) never tells its parent that preroll
   * ended: the server stayed PAUSED for good (measured: two WebRTC
   * callers at once into an appsink ! appsrc video handler, nothing sent
   * back). sessionbin drops what the handler's children still post
   * (gst_session_bin_handle_message). */
  if (GST_IS_BIN (handler_))
    g_object_set (handler_, "async-handling", TRUE, NULL);
  /* Downstream first, so nothing flows into an element not started. */
  for (auto it = elements_.rbegin (); it != elements_.rend (); ++it) {
    if (!gst_element_sync_state_with_parent (*it)) {
      error = std::string ("could not start ") + GST_OBJECT_NAME (*it);
      return false;
    }
  }
  if (sends_back ()) {
    if (auto session = sessionctx::session_from_context (context_)) {
      session->hold_output ();
      held_ = session;
    }
  }
  return true;
}

bool
SessionHandler::link (MediaKind kind, GstPad * session_pad,
    std::string & error)
{
  GstPad *sink_pad = find_pad_of_kind (handler_, GST_PAD_SINK, kind);
  if (!sink_pad) {
    GstPad *any = nullptr;
    if (kinds_linked_ == 0) {
      for (MediaKind k : sessionctx::kMediaKinds)
        if (!any)
          any = find_pad_of_kind (handler_, GST_PAD_SINK, k);
    }
    if (kinds_linked_ == 0 && !any) {
      error = std::string ("the handler has no free ") +
          sessionctx::media_kind_name (kind) + " sink pad";
      return false;
    }
    if (any)
      gst_object_unref (any);
    GST_INFO_OBJECT (bin_, "session %s: the handler takes no %s, dropped",
        log_id_.c_str (), sessionctx::media_kind_name (kind));
    return true;
  }
  GstPadLinkReturn link = gst_pad_link (session_pad, sink_pad);
  gst_object_unref (sink_pad);
  if (link != GST_PAD_LINK_OK) {
    error = std::string ("could not link the session to the handler: ") +
        gst_pad_link_get_name (link);
    return false;
  }
  kinds_linked_++;
  return true;
}

bool
SessionHandler::cut_reply (GstObject * by, guint turn, GstClockTime now)
{
  bool cut = false;
  {
    std::lock_guard < std::mutex > l (cut_lock_);
    for (auto & out : outputs_)
      cut = out->gate ().cut (now) || cut;
    if (cut) {
      cut_by_ = by;
      cut_turn_ = turn;
    }
  }
  if (!cut)
    return false;
  /* What left the stage already: the sink's buffer waiting for its time,
   * the client's outbox, a WebRTC peer's send queue; a Twilio client
   * clears its own buffer. */
  if (auto session = sessionctx::session_from_context (context_))
    session->clear ();
  GST_DEBUG_OBJECT (bin_, "session %s: turn %u cut the reply",
      log_id_.c_str (), turn);
  return true;
}

void
SessionHandler::turn_ended (GstObject * by, guint turn)
{
  std::lock_guard < std::mutex > l (cut_lock_);
  if (by != cut_by_ || turn != cut_turn_)
    return;
  for (auto & out : outputs_)
    out->gate ().resume ();
  cut_by_ = nullptr;
  cut_turn_ = 0;
}

bool
SessionHandler::on_eos (GstElement * child)
{
  if (child == handler_)
    handler_eos_ = true;
  bool outputs_done = true;
  for (auto & out : output_sinks_) {
    if (child == out.sink)
      out.eos = true;
    outputs_done = outputs_done && out.eos;
  }
  {
    std::lock_guard < std::mutex > l (cut_lock_);
    for (auto & out : outputs_)
      outputs_done = outputs_done && out->eos ();
  }
  return (!handler_has_sinks_ || handler_eos_) && outputs_done;
}

void
SessionHandler::distribute_latency ()
{
  std::vector<GstElement *> sinks;
  for (GstElement *e : elements_)
    if (GST_OBJECT_FLAG_IS_SET (e, GST_ELEMENT_FLAG_SINK))
      sinks.push_back (e);
  GstClockTime latency = 0;
  for (GstElement *e : sinks) {
    GstQuery *query = gst_query_new_latency ();
    if (gst_element_query (e, query)) {
      gboolean live;
      GstClockTime min, max;
      gst_query_parse_latency (query, &live, &min, &max);
      if (live && GST_CLOCK_TIME_IS_VALID (min) && min > latency)
        latency = min;
    }
    gst_query_unref (query);
  }
  for (SessionOutput *out : outputs ()) {
    GstClockTime min;
    if (out->query_latency (&min) && min > latency)
      latency = min;
  }
  GST_DEBUG_OBJECT (bin_, "session %s: latency %" GST_TIME_FORMAT,
      log_id_.c_str (), GST_TIME_ARGS (latency));
  for (GstElement *e : sinks)
    gst_element_send_event (e, gst_event_new_latency (latency));
  for (SessionOutput *out : outputs ())
    out->set_latency (latency);
}

std::vector<SessionOutput *>
SessionHandler::outputs ()
{
  std::lock_guard < std::mutex > l (cut_lock_);
  std::vector<SessionOutput *> all;
  for (auto & out : outputs_)
    all.push_back (out.get ());
  return all;
}

void
SessionHandler::stop_outputs ()
{
  std::lock_guard < std::mutex > l (cut_lock_);
  for (auto & out : outputs_)
    out->stop ();
}

void
SessionHandler::remove ()
{
  /* A buffer waiting for its time in an output would keep the handler's
   * pads from deactivating. */
  stop_outputs ();
  for (GstElement *e : elements_) {
    gst_element_set_locked_state (e, TRUE);
    gst_element_set_state (e, GST_STATE_NULL);
    if (GST_OBJECT_PARENT (e) == GST_OBJECT (bin_))
      gst_bin_remove (bin_, e);
  }
  for (SessionOutput *out : outputs ())
    out->deactivate ();
  if (auto session = held_.lock ())
    session->release_output ();
  held_.reset ();
}

}  // namespace sessionbin
