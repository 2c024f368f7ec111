/* sessionsticky: the buffers' session as the stream's sticky event.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-sessionsticky
 * @title: sessionsticky
 * @see_also: rtphdrextsessionctx, sessioninfo, sessionbin
 *
 * Makes a stream's buffers and its pad agree on the session, both ways:
 *
 * * A buffer whose #GstSessionMeta names another session than the last
 *   session-context event (gst_event_new_session_context()) is preceded by
 *   that event, sticky: the session of a stream whose buffers name it (as a
 *   depayloader with `rtphdrextsessionctx` makes them) then answers
 *   gst_session_context_get_current() on pads too, past elements that drop
 *   metas (mixers, aggregators). Buffers without a session pass unchanged
 *   and do not clear it (no event can): on a stream that mixes sessions a
 *   pad answers with the last one named, so put the element on a stream of
 *   one session (one RTP stream, one SSRC, per session, as `sessionbin`
 *   handlers send them).
 * * When the session-context event comes from upstream (the source
 *   declared the stream's session, as `sessionsrc`'s session pads and so
 *   `sessionbin` handlers do), a buffer without a #GstSessionMeta gets one
 *   naming that session. Elements make some buffers themselves, without
 *   the metas of their input: `audioresample` drains its filter into a new
 *   buffer at every timestamp jump over 31 ms (a client's frames arriving
 *   late) and at the end. Before a payloader with `rtphdrextsessionctx`,
 *   which sees only metas, this labels those too.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 sessionbin handler="audioconvert ! audioresample ! \
 *   audio/x-raw,rate=16000,channels=1 ! sessionsticky ! rtpL16pay ! \
 *   application/x-rtp,extmap-1=(string)urn:gst-sessionctx:rtp-hdrext:session-id ! \
 *   udpsink host=worker port=5004"
 * ]| every packet of a session's audio carries its id.
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-rtp,media=audio,\
 *   clock-rate=16000,encoding-name=L16,channels=1,payload=96,\
 *   extmap-1=(string)urn:gst-sessionctx:rtp-hdrext:session-id" ! \
 *   rtpjitterbuffer ! rtpL16depay ! sessionsticky ! audioconvert ! \
 *   audiomixer ! fakesink
 * ]| the mixer's input pad names the session even though it drops metas.
 */

#include "rtp/gstsessionsticky.h"
#include "gstsessionctxelements.h"
#include "wire/logsafe.h"

#include <gst/sessionctx/sessionctx.hpp>

#include <string>

GST_DEBUG_CATEGORY_STATIC (gst_session_sticky_debug);
#define GST_CAT_DEFAULT gst_session_sticky_debug

/* Plain data: GObject never runs C++ constructors; what needs one lives
 * in the private struct. */
struct GstSessionStickyPrivate
{
  /* Streaming thread only (transform_ip and sink_event are serialized). */
  /* The session of the last session-context event sent or passed on. */
  std::string current;
  bool has_current = false;
  /* The session upstream declared (its session-context event), if any:
   * buffers without a meta get it. */
  gst::session::Context declared;
};

struct _GstSessionSticky
{
  GstBaseTransform parent;
  GstSessionStickyPrivate *priv;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_session_sticky_parent_class parent_class
G_DEFINE_TYPE (GstSessionSticky, gst_session_sticky, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (sessionsticky, "sessionsticky", GST_RANK_NONE,
    GST_TYPE_SESSION_STICKY);

static GstFlowReturn
gst_session_sticky_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstSessionStickyPrivate *priv = GST_SESSION_STICKY (trans)->priv;
  GstSessionMeta *meta = gst_buffer_get_session_meta (buf);
  if (!meta || !meta->context) {
    if (priv->declared)
      gst_buffer_add_session_meta (buf, priv->declared.get ());
    return GST_FLOW_OK;
  }
  const gchar *id = gst_session_context_get_id (meta->context);
  if (priv->has_current && priv->current == id)
    return GST_FLOW_OK;
  priv->current = id;
  priv->has_current = true;
  GST_DEBUG_OBJECT (trans, "session %s", sessionctx::log_safe (id).c_str ());
  /* Before the buffer: it is pushed once this returns. */
  gst_pad_push_event (trans->srcpad,
      gst_event_new_session_context (meta->context));
  return GST_FLOW_OK;
}

static gboolean
gst_session_sticky_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstSessionStickyPrivate *priv = GST_SESSION_STICKY (trans)->priv;
  GstSessionContext *ctx = nullptr;
  if (gst_event_parse_session_context (event, &ctx) && ctx) {
    priv->current = gst_session_context_get_id (ctx);
    priv->has_current = true;
    priv->declared = gst::session::Context::adopt (ctx);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START) {
    /* A new stream: its session is yet to be told. */
    priv->has_current = false;
    priv->declared = {};
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_session_sticky_stop (GstBaseTransform * trans)
{
  GstSessionStickyPrivate *priv = GST_SESSION_STICKY (trans)->priv;
  priv->has_current = false;
  priv->declared = {};
  return TRUE;
}

static void
gst_session_sticky_finalize (GObject * object)
{
  delete GST_SESSION_STICKY (object)->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_session_sticky_init (GstSessionSticky * self)
{
  self->priv = new GstSessionStickyPrivate ();
  /* In place, not passthrough: a buffer may get a meta (made writable,
   * which copies nothing when it is not shared). */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_gap_aware (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_session_sticky_class_init (GstSessionStickyClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_session_sticky_debug, "sessionsticky", 0,
      "The buffers' session as a sticky event");

  gobject_class->finalize = gst_session_sticky_finalize;
  trans_class->transform_ip = gst_session_sticky_transform_ip;
  trans_class->sink_event = gst_session_sticky_sink_event;
  trans_class->stop = gst_session_sticky_stop;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Session sticky event", "Generic",
      "Passes buffers through, sends the sticky session-context event when "
      "the session their meta names changes, and gives buffers without one "
      "the session upstream declared", GST_SESSIONCTX_AUTHOR);
}
