/* sessioninfo: an identity that knows whose media passes through.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-sessioninfo
 * @title: sessioninfo
 *
 * A passthrough element (like `identity`) that looks up the current session
 * of every buffer with gst_session_context_get_current().
 *
 * * With `silent=false` it prints one line to stdout when a session's
 *   first buffer passes (id, transport, dialect, remote address) and a
 *   summary line when the session ends (its `session-end` event, or EOS /
 *   stop for the rest): buffers, bytes, time between first and last buffer.
 *   Interleaved sessions therefore print two lines each, not one per
 *   buffer.
 * * It posts a `sessioninfo` element message for each new session (fields
 *   `session-id`, `context`) and a `sessioninfo-summary` message (fields
 *   `session-id`, `buffers`, `bytes`) per ended session.
 * * With #GstSessionInfo:session-id set it passes only that session's
 *   buffers and drops the others (and buffers with no session).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 sessionsrc ! sessioninfo silent=false ! sessionsink
 * ]|
 */

#include "sessioninfo/gstsessioninfo.h"
#include "gstsessionctxelements.h"
#include "properties/properties.h"
#include "wire/logsafe.h"

#include <gst/sessionctx/sessionctx.hpp>

#include <map>
#include <mutex>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (gst_session_info_debug);
#define GST_CAT_DEFAULT gst_session_info_debug

namespace {

struct Summary
{
  guint64 buffers = 0;
  guint64 bytes = 0;
  GstClockTime first_pts = GST_CLOCK_TIME_NONE;
  GstClockTime last_pts = GST_CLOCK_TIME_NONE;
  std::string transport;
  std::string dialect;
  std::string remote;
};

}  // namespace

struct GstSessionInfoPrivate
{
  std::mutex lock;              /* guards all below */
  bool silent = true;
  std::string filter_id;
  std::map<std::string, Summary> summaries;
};

struct _GstSessionInfo
{
  GstBaseTransform parent;
  GstSessionInfoPrivate *priv;
};

enum
{
  PROP_0,
  PROP_SILENT,
  PROP_SESSION_ID,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_session_info_parent_class parent_class
G_DEFINE_TYPE (GstSessionInfo, gst_session_info, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (sessioninfo, "sessioninfo", GST_RANK_NONE,
    GST_TYPE_SESSION_INFO);

/* The sessions that ended, as taken out under the lock: printed and
 * posted after it is released (report). */
struct Ended
{
  bool print = false;
  std::vector<std::pair<std::string, Summary>> sessions;
};

/* Moves the summary of @id (all of them when @id is NULL) to @ended; call
 * with the lock held. */
static void
take_summaries (GstSessionInfoPrivate * priv, const std::string * id,
    Ended & ended)
{
  ended.print = !priv->silent;
  auto & all = priv->summaries;
  auto it = id ? all.find (*id) : all.begin ();
  auto end = id && it != all.end ()? std::next (it) : all.end ();
  for (auto i = it; i != end; ++i)
    ended.sessions.emplace_back (i->first, std::move (i->second));
  all.erase (it, end);
}

/* Prints and posts what take_summaries took; call without the lock. */
static void
report (GstSessionInfo * self, const Ended & ended)
{
  for (const auto &[id, s] : ended.sessions) {
    GstClockTime span = GST_CLOCK_TIME_IS_VALID (s.first_pts) &&
        GST_CLOCK_TIME_IS_VALID (s.last_pts) ? s.last_pts - s.first_pts : 0;
    if (ended.print)
      g_print ("sessioninfo: session %s ended: %" G_GUINT64_FORMAT
          " buffers, %" G_GUINT64_FORMAT " bytes, %" GST_TIME_FORMAT
          " between first and last buffer\n",
          sessionctx::log_safe (id).c_str (), s.buffers, s.bytes,
          GST_TIME_ARGS (span));
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self),
            gst_structure_new ("sessioninfo-summary",
                "session-id", G_TYPE_STRING, id.c_str (),
                "buffers", G_TYPE_UINT64, s.buffers,
                "bytes", G_TYPE_UINT64, s.bytes, NULL)));
  }
}

static GstFlowReturn
gst_session_info_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  auto *self = GST_SESSION_INFO (trans);
  GstSessionInfoPrivate *priv = self->priv;
  gst::session::Context ctx = gst::session::current (trans->sinkpad, buf);

  /* A new session: what to print and post, after the lock. */
  bool first = false, print = false;
  std::string id, transport, dialect, remote;
  {
    std::lock_guard < std::mutex > l (priv->lock);
    if (!priv->filter_id.empty () && (!ctx || ctx.id () != priv->filter_id))
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    if (!ctx)
      return GST_FLOW_OK;

    id = ctx.id ();
    Summary & s = priv->summaries[id];
    if (s.buffers == 0) {
      s.transport = gst_session_transport_to_string (ctx.transport ());
      s.dialect = gst_session_dialect_to_string (ctx.dialect ());
      s.remote = ctx.remote_address ();
      first = true;
      print = !priv->silent;
      transport = s.transport;
      dialect = s.dialect;
      remote = s.remote;
    }
    s.buffers++;
    s.bytes += gst_buffer_get_size (buf);
    if (GST_BUFFER_PTS_IS_VALID (buf)) {
      if (!GST_CLOCK_TIME_IS_VALID (s.first_pts))
        s.first_pts = GST_BUFFER_PTS (buf);
      s.last_pts = GST_BUFFER_PTS (buf);
    }
  }

  if (first) {
    if (print)
      g_print ("sessioninfo: %" GST_TIME_FORMAT " session %s (%s/%s from %s)"
          "\n", GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
          sessionctx::log_safe (id).c_str (), transport.c_str (),
          dialect.c_str (), remote.empty ()? "?" :
          sessionctx::log_safe (remote).c_str ());
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self),
            gst_structure_new ("sessioninfo",
                "session-id", G_TYPE_STRING, id.c_str (),
                "context", GST_TYPE_SESSION_CONTEXT, ctx.get (), NULL)));
  }
  return GST_FLOW_OK;
}

static gboolean
gst_session_info_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  auto *self = GST_SESSION_INFO (trans);
  GstSessionContext *ctx = nullptr;
  Ended ended;
  if (gst_event_parse_session_end (event, &ctx, nullptr)) {
    std::string id = gst_session_context_get_id (ctx);
    g_object_unref (ctx);
    std::lock_guard < std::mutex > l (self->priv->lock);
    take_summaries (self->priv, &id, ended);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    std::lock_guard < std::mutex > l (self->priv->lock);
    take_summaries (self->priv, nullptr, ended);
  }
  report (self, ended);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_session_info_stop (GstBaseTransform * trans)
{
  auto *self = GST_SESSION_INFO (trans);
  Ended ended;
  {
    std::lock_guard < std::mutex > l (self->priv->lock);
    take_summaries (self->priv, nullptr, ended);
  }
  report (self, ended);
  return TRUE;
}

static void
gst_session_info_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_SESSION_INFO (object);
  std::lock_guard < std::mutex > l (self->priv->lock);
  switch (prop_id) {
    case PROP_SILENT:
      self->priv->silent = g_value_get_boolean (value);
      break;
    case PROP_SESSION_ID:
      self->priv->filter_id = string_property (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_session_info_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto *self = GST_SESSION_INFO (object);
  std::lock_guard < std::mutex > l (self->priv->lock);
  switch (prop_id) {
    case PROP_SILENT:
      g_value_set_boolean (value, self->priv->silent);
      break;
    case PROP_SESSION_ID:
      set_string_property (value, self->priv->filter_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_session_info_finalize (GObject * object)
{
  delete GST_SESSION_INFO (object)->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_session_info_init (GstSessionInfo * self)
{
  self->priv = new GstSessionInfoPrivate ();
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_gap_aware (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_session_info_class_init (GstSessionInfoClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_session_info_debug, "sessioninfo", 0,
      "Session info");

  gobject_class->set_property = gst_session_info_set_property;
  gobject_class->get_property = gst_session_info_get_property;
  gobject_class->finalize = gst_session_info_finalize;
  trans_class->transform_ip = gst_session_info_transform_ip;
  trans_class->sink_event = gst_session_info_sink_event;
  trans_class->stop = gst_session_info_stop;

  /**
   * GstSessionInfo:silent:
   *
   * When %FALSE, print a line when a session's first buffer passes and a
   * summary when it ends.
   */
  g_object_class_install_property (gobject_class, PROP_SILENT,
      g_param_spec_boolean ("silent", "Silent",
          "Print nothing (FALSE: a line per new session and a summary per "
          "ended session)", TRUE,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  /**
   * GstSessionInfo:session-id:
   *
   * When set, only this session's buffers pass; others are dropped.
   */
  g_object_class_install_property (gobject_class, PROP_SESSION_ID,
      g_param_spec_string ("session-id", "Session id",
          "Pass only this session's buffers (NULL = all)", NULL,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Session info",
      "Generic", "Passes buffers through and reports whose session they "
      "belong to", GST_SESSIONCTX_AUTHOR);
}
