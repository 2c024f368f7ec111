/* sessionsink: processed audio back to the session it belongs to.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-sessionsink
 * @title: sessionsink
 *
 * Sends audio back to the client whose session each buffer belongs to (its
 * #GstSessionMeta, else the pad's sticky session-context event). WebRTC
 * peers get it Opus-encoded on their audio track (when their offer asked to
 * receive); WebSocket clients get it in their dialect: FastRTC `{"event":"media","media":{"payload":B64}}` with
 * µ-law at the session's output rate (`sessionsrc`'s
 * `websocket-output-rate`), Twilio with `streamSid` at 8 kHz; clients that
 * chose binary media (`{"event":"binary_media"}`) get binary frames of raw
 * µ-law or S16LE instead. Each buffer
 * is cut into 20 ms frames, its tail (shorter) included: nothing is held
 * back for the next buffer, which would add up to 20 ms of latency. At a
 * session's end (its session-end event, or EOS) what the resampler to the
 * client's rate still holds is sent too: a client gets back exactly as much
 * audio as it sent, at its output rate, in place. With
 * #GstBaseSink:sync (the default) each buffer is sent when its timestamp is
 * due on the pipeline clock.
 * #GstBaseSink:processing-deadline defaults to 0 here: buffers are stamped
 * on arrival, so any deadline would only add to the echo latency.
 *
 * It needs no configuration to reach the clients of a `sessionsrc` in the
 * same process: the context leads to the session. #GstSessionSink:port or
 * #GstSessionSink:server-name only narrow which server the action signals
 * look in.
 *
 * Buffers of a session that has ended are dropped (debug log). Buffers with
 * no session at all raise one element warning, then are dropped.
 *
 * A `session-clear` event (gst_event_new_session_clear(), serialized) does
 * what the #GstSessionSink::clear signal does, in stream order: the audio
 * rendered before it and still queued for that session's client is dropped
 * (a barge-in cuts the rest of a reply). A clear of a session while one of
 * its buffers waits here for its time (the signal, or `sessionbin` cutting
 * a reply) drops that buffer too.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 sessionsrc ! audioconvert ! sessionsink
 * ]| An echo server on port 8080.
 */

#include "sessionsink/gstsessionsink.h"
#include "sessionsink/duenow.h"
#include "gstsessionctxelements.h"
#include "sessionsink/sessionsend.h"
#include "properties/properties.h"

#include "server/server.h"
#include "wire/logsafe.h"

#include <gst/audio/audio.h>
#include <gst/sessionctx/sessionctx.hpp>
#include <json-glib/json-glib.h>

#include <mutex>
#include <unordered_map>

GST_DEBUG_CATEGORY_STATIC (gst_session_sink_debug);
#define GST_CAT_DEFAULT gst_session_sink_debug

using sessionctx::Server;
using sessionctx::Session;

namespace {

struct Settings
{
  std::mutex lock;
  guint port = 0;
  std::string server_name;
};

}  // namespace

using sessionsink::SessionSend;

struct GstSessionSinkPrivate
{
  Settings settings;

  /* Guards everything below (render thread and action signals). */
  std::mutex lock;
  /* By context: a context lives as long as its session, so an entry whose
   * session is still alive is that context's (no pointer reuse). */
  std::unordered_map<GstSessionContext *, std::unique_ptr<SessionSend>>
      sessions;
  int in_rate = 0;
  bool warned_no_context = false;
  /* Session::clear_count () before the buffer (or list) being rendered
   * waited for its time (streaming thread only). */
  guint64 clears_before_wait = 0;
  /* GstBaseSink's chain function, for what is not rendered at once. */
  GstPadChainFunction basesink_chain = nullptr;
};

struct _GstSessionSink
{
  GstBaseSink parent;
  GstSessionSinkPrivate *priv;
};

enum
{
  PROP_0,
  PROP_PORT,
  PROP_SERVER_NAME,
};

enum
{
  SIGNAL_SEND_MESSAGE,
  SIGNAL_CLEAR,
  SIGNAL_MARK,
  LAST_SIGNAL,
};
static guint signals[LAST_SIGNAL];

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (SESSION_SEND_CAPS));

#define gst_session_sink_parent_class parent_class
G_DEFINE_TYPE (GstSessionSink, gst_session_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE (sessionsink, "sessionsink", GST_RANK_NONE,
    GST_TYPE_SESSION_SINK);

/* The session with @id, on the configured server if any, else on any. */
static std::shared_ptr<Session>
find_session (GstSessionSink * self, const gchar * id)
{
  if (!id)
    return nullptr;
  std::string name;
  guint port;
  {
    std::lock_guard < std::mutex > l (self->priv->settings.lock);
    name = self->priv->settings.server_name;
    port = self->priv->settings.port;
  }
  if (name.empty () && port == 0)
    return Server::find_session_anywhere (id);
  auto server = Server::lookup (name, port);
  return server ? server->find_session (id) : nullptr;
}

/* The send state of @ctx's session and the session itself; nullptr when
 * @ctx has no live session. The common case is one hash lookup. */
static SessionSend *
sink_session_for (GstSessionSinkPrivate * priv, GstSessionContext * ctx,
    std::shared_ptr<Session> & session)
{
  auto it = priv->sessions.find (ctx);
  if (it != priv->sessions.end () && (session = it->second->session ()))
    return it->second.get ();

  session = sessionctx::session_from_context (ctx);
  if (!session)
    return nullptr;
  /* New session. Sweep ended ones now and then so the map does not grow
   * with churn. */
  if (priv->sessions.size () > 64) {
    for (auto i = priv->sessions.begin (); i != priv->sessions.end ();) {
      if (i->second->expired ())
        i = priv->sessions.erase (i);
      else
        ++i;
    }
  }
  auto & slot = priv->sessions[ctx];
  slot = std::make_unique<SessionSend> (session, priv->in_rate);
  return slot.get ();
}

/* At the end of @ss's session (its session-end event, or EOS): sends what
 * its resampler still holds, so the client gets back exactly as much
 * audio as came in. Its output is released when @ss goes. */
static void
drain_session (GstSessionSink * self, SessionSend & ss)
{
  size_t n = ss.drain ();
  GST_LOG_OBJECT (self, "%" G_GSIZE_FORMAT " samples drained at a session's "
      "end", n);
}

/* @buffer (of @ctx's session, if any) to its session; with the lock. */
static GstFlowReturn
render_locked (GstSessionSink * self, GstSessionContext * ctx,
    GstBuffer * buffer)
{
  GstSessionSinkPrivate *priv = self->priv;
  if (!ctx) {
    if (!priv->warned_no_context) {
      priv->warned_no_context = true;
      GST_ELEMENT_WARNING (self, STREAM, WRONG_TYPE,
          ("Buffer without a session context dropped"),
          ("sessionsink needs buffers from sessionsrc (GstSessionMeta or a "
              "session-context event); further ones are dropped silently"));
    }
    return GST_FLOW_OK;
  }
  if (priv->in_rate <= 0)
    return GST_FLOW_NOT_NEGOTIATED;
  std::shared_ptr<Session> session;
  SessionSend *entry = sink_session_for (priv, ctx, session);
  if (!entry || !session->is_open ()) {
    GST_DEBUG_OBJECT (self, "session %s has ended, buffer dropped",
        sessionctx::log_safe (gst_session_context_get_id (ctx)).c_str ());
    return GST_FLOW_OK;
  }
  if (session->cleared_after (priv->clears_before_wait)) {
    /* Cleared while it waited for its time: it was queued, not sent. */
    GST_LOG_OBJECT (self, "buffer of a session cleared while it waited, "
        "dropped");
    return GST_FLOW_OK;
  }
  if (!entry->send (*session, buffer, gst_segment_to_running_time
          (&GST_BASE_SINK (self)->segment, GST_FORMAT_TIME,
              GST_BUFFER_PTS (buffer))))
    return GST_FLOW_ERROR;
  return GST_FLOW_OK;
}

/* Before basesink waits for the buffer's (the list's first buffer's)
 * time: what a clear must come after to drop it. */
static GstFlowReturn
gst_session_sink_prepare (GstBaseSink * sink, GstBuffer *)
{
  GST_SESSION_SINK (sink)->priv->clears_before_wait =
      Session::clear_count ();
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_session_sink_prepare_list (GstBaseSink * sink, GstBufferList *)
{
  GST_SESSION_SINK (sink)->priv->clears_before_wait =
      Session::clear_count ();
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_session_sink_render (GstBaseSink * sink, GstBuffer * buffer)
{
  auto *self = GST_SESSION_SINK (sink);
  gst::session::Context ctx = gst::session::current (sink->sinkpad, buffer);
  std::lock_guard < std::mutex > l (self->priv->lock);
  return render_locked (self, ctx.get (), buffer);
}

/* The sink pad's chain: a buffer that is due is rendered at once, as
 * basesink would render it after finding it due (duenow.h); anything else
 * takes basesink's way (always, while enable-last-sample is on, its
 * default). A pipeline that pushes single buffers into a sink with
 * last-sample off skips basesink's per-buffer work; sessionbin no longer
 * uses sessionsink (its output is a pad of each session's own,
 * sessionbin/sessionoutput). */
static GstFlowReturn
gst_session_sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  auto *self = GST_SESSION_SINK (parent);
  GstBaseSink *sink = GST_BASE_SINK (parent);
  GST_BASE_SINK_PREROLL_LOCK (sink);
  if (!sessionsink::due_now_locked (sink, buffer)) {
    GST_BASE_SINK_PREROLL_UNLOCK (sink);
    return self->priv->basesink_chain (pad, parent, buffer);
  }
  GstFlowReturn ret;
  {
    gst::session::Context ctx = gst::session::current (pad, buffer);
    std::lock_guard < std::mutex > l (self->priv->lock);
    /* Nothing waits: a clear from now on comes after it was sent. */
    self->priv->clears_before_wait = Session::clear_count ();
    ret = render_locked (self, ctx.get (), buffer);
  }
  GST_BASE_SINK_PREROLL_UNLOCK (sink);
  gst_buffer_unref (buffer);
  return ret;
}

/* A list (sessionsrc's pads push what came in one go as one): basesink
 * synced on its first buffer; the others are rendered in turn under one
 * lock, each waited for first if it is not due yet, as render () would
 * have been called for it. */
static GstFlowReturn
gst_session_sink_render_list (GstBaseSink * sink, GstBufferList * list)
{
  auto *self = GST_SESSION_SINK (sink);
  const guint n = gst_buffer_list_length (list);
  /* Not playing (yet): gst_base_sink_wait () waits for it, as basesink's
   * own sync would. */
  GstClockTime due = GST_CLOCK_TIME_NONE;
  if (gst_base_sink_get_sync (sink))
    due = GST_STATE (sink) == GST_STATE_PLAYING ?
        sessionsink::due_running_time (sink) : 0;
  std::unique_lock < std::mutex > l (self->priv->lock);
  for (guint i = 0; i < n; i++) {
    GstBuffer *buffer = gst_buffer_list_get (list, i);
    if (i > 0 && GST_CLOCK_TIME_IS_VALID (due)) {
      GstClockTime rt = gst_segment_to_running_time (&sink->segment,
          GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
      if (GST_CLOCK_TIME_IS_VALID (rt) && rt > due) {
        l.unlock ();
        GstFlowReturn ret = gst_base_sink_wait (sink, rt, nullptr);
        if (ret != GST_FLOW_OK)
          return ret;
        due = GST_STATE (sink) == GST_STATE_PLAYING ?
            sessionsink::due_running_time (sink) : 0;
        l.lock ();
      }
    }
    gst::session::Context ctx = gst::session::current (sink->sinkpad,
        buffer);
    GstFlowReturn ret = render_locked (self, ctx.get (), buffer);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  return GST_FLOW_OK;
}

static gboolean
gst_session_sink_event (GstBaseSink * sink, GstEvent * event)
{
  auto *self = GST_SESSION_SINK (sink);
  GstSessionContext *ctx = nullptr;
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    /* Everything of every session on this pad came: send the rest. */
    std::lock_guard < std::mutex > l (self->priv->lock);
    for (auto & entry : self->priv->sessions)
      drain_session (self, *entry.second);
    self->priv->sessions.clear ();
  } else if (gst_event_parse_session_end (event, &ctx, nullptr)) {
    /* Send the rest of the session that ended; forget the per-session
     * state of sessions that ended. */
    std::lock_guard < std::mutex > l (self->priv->lock);
    auto & sessions = self->priv->sessions;
    for (auto it = sessions.begin (); it != sessions.end ();) {
      if (it->first == ctx)
        drain_session (self, *it->second);
      if (it->first == ctx || it->second->expired ())
        it = sessions.erase (it);
      else
        ++it;
    }
    g_object_unref (ctx);
  } else if (gst_event_parse_session_clear (event, &ctx)) {
    /* Drop what the session has not been sent yet (what was rendered
     * before this event and still waits in its outbox). */
    if (!ctx)
      ctx = gst_session_context_get_current (GST_BASE_SINK_PAD (sink),
          nullptr);
    auto session = sessionctx::session_from_context (ctx);
    GST_DEBUG_OBJECT (self, "session-clear for session %s",
        ctx ? sessionctx::log_safe (gst_session_context_get_id
            (ctx)).c_str () : "(none)");
    if (session)
      session->clear ();
    if (ctx)
      g_object_unref (ctx);
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (sink, event);
}

static gboolean
gst_session_sink_set_caps (GstBaseSink * sink, GstCaps * caps)
{
  auto *self = GST_SESSION_SINK (sink);
  GstAudioInfo info;
  if (!gst_audio_info_from_caps (&info, caps))
    return FALSE;
  std::lock_guard < std::mutex > l (self->priv->lock);
  if (self->priv->in_rate != GST_AUDIO_INFO_RATE (&info))
    self->priv->sessions.clear ();
  self->priv->in_rate = GST_AUDIO_INFO_RATE (&info);
  return TRUE;
}

static gboolean
gst_session_sink_stop (GstBaseSink * sink)
{
  auto *self = GST_SESSION_SINK (sink);
  std::lock_guard < std::mutex > l (self->priv->lock);
  self->priv->sessions.clear ();
  self->priv->warned_no_context = false;
  return TRUE;
}

/* Action signals */

static gboolean
gst_session_sink_send_message (GstSessionSink * self, const gchar * id,
    const gchar * json)
{
  auto session = find_session (self, id);
  if (!session) {
    GST_WARNING_OBJECT (self, "send-message: no live session %s",
        sessionctx::log_safe (id).c_str ());
    return FALSE;
  }
  JsonParser *parser = json_parser_new ();
  gboolean valid = json && json_parser_load_from_data (parser, json, -1,
      nullptr);
  g_object_unref (parser);
  if (!valid) {
    GST_WARNING_OBJECT (self, "send-message to %s: not valid JSON",
        sessionctx::log_safe (id).c_str ());
    return FALSE;
  }
  return session->send_text (json);
}

static gboolean
gst_session_sink_clear (GstSessionSink * self, const gchar * id)
{
  auto session = find_session (self, id);
  return session ? session->clear () : FALSE;
}

static gboolean
gst_session_sink_mark (GstSessionSink * self, const gchar * id,
    const gchar * name)
{
  auto session = find_session (self, id);
  if (!session || !name)
    return FALSE;
  return session->send_mark (name);
}

static void
gst_session_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_SESSION_SINK (object);
  std::lock_guard < std::mutex > l (self->priv->settings.lock);
  switch (prop_id) {
    case PROP_PORT:
      self->priv->settings.port = g_value_get_uint (value);
      break;
    case PROP_SERVER_NAME:
      self->priv->settings.server_name = string_property (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_session_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto *self = GST_SESSION_SINK (object);
  std::lock_guard < std::mutex > l (self->priv->settings.lock);
  switch (prop_id) {
    case PROP_PORT:
      g_value_set_uint (value, self->priv->settings.port);
      break;
    case PROP_SERVER_NAME:
      set_string_property (value, self->priv->settings.server_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_session_sink_finalize (GObject * object)
{
  delete GST_SESSION_SINK (object)->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_session_sink_init (GstSessionSink * self)
{
  self->priv = new GstSessionSinkPrivate ();
  gst_base_sink_set_sync (GST_BASE_SINK (self), TRUE);
  /* sessionsrc stamps buffers on arrival: a processing deadline would only
   * delay every frame sent back (basesink's default adds 20 ms). */
  gst_base_sink_set_processing_deadline (GST_BASE_SINK (self), 0);
  GstPad *pad = GST_BASE_SINK_PAD (self);
  self->priv->basesink_chain = GST_PAD_CHAINFUNC (pad);
  gst_pad_set_chain_function (pad, gst_session_sink_chain);
}

static void
gst_session_sink_class_init (GstSessionSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *sink_class = GST_BASE_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_session_sink_debug, "sessionsink", 0,
      "Session sink");

  gobject_class->set_property = gst_session_sink_set_property;
  gobject_class->get_property = gst_session_sink_get_property;
  gobject_class->finalize = gst_session_sink_finalize;
  sink_class->prepare = gst_session_sink_prepare;
  sink_class->prepare_list = gst_session_sink_prepare_list;
  sink_class->render = gst_session_sink_render;
  sink_class->render_list = gst_session_sink_render_list;
  sink_class->event = gst_session_sink_event;
  sink_class->set_caps = gst_session_sink_set_caps;
  sink_class->stop = gst_session_sink_stop;

  /**
   * GstSessionSink:port:
   *
   * Port of the `sessionsrc` server the action signals look sessions up in;
   * 0 looks in every server of the process. Buffers always go to the
   * session named by their context.
   */
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_uint ("port", "Port",
          "Server (by port) the action signals look in, 0 = all", 0, 65535,
          0, (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  /**
   * GstSessionSink:server-name:
   *
   * Like #GstSessionSink:port, by `sessionsrc`'s `server-name`.
   */
  g_object_class_install_property (gobject_class, PROP_SERVER_NAME,
      g_param_spec_string ("server-name", "Server name",
          "Server (by name) the action signals look in", NULL,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));

  /**
   * GstSessionSink::send-message:
   * @sink: the element
   * @session_id: the session
   * @json: a JSON text, sent as is (FastRTC application messages look like
   *   `{"type":"log","data":...}`)
   *
   * Sends an application message to a live session: over the WebSocket,
   * or over a WebRTC peer's data channel.
   *
   * Returns: %TRUE if queued; %FALSE when the session is not live or @json
   * is not valid JSON.
   */
  signals[SIGNAL_SEND_MESSAGE] = g_signal_new_class_handler ("send-message",
      G_TYPE_FROM_CLASS (klass),
      (GSignalFlags) (G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK (gst_session_sink_send_message), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstSessionSink::clear:
   * @sink: the element
   * @session_id: the session
   *
   * Drops audio queued for the session and not yet sent (a buffer of it
   * waiting here for its time included; a WebRTC peer's send chain drops
   * what it still holds); Twilio clients also get `{"event":"clear"}` so
   * they drop what they buffered. A `session-clear` event does the same in
   * stream order.
   *
   * Returns: %TRUE if the session is live
   */
  signals[SIGNAL_CLEAR] = g_signal_new_class_handler ("clear",
      G_TYPE_FROM_CLASS (klass),
      (GSignalFlags) (G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK (gst_session_sink_clear), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstSessionSink::mark:
   * @sink: the element
   * @session_id: the session
   * @name: the mark's name
   *
   * Sends `{"event":"mark","mark":{"name":NAME}}` after the audio queued so
   * far; a Twilio client answers with the same mark once that audio has
   * played, which `sessionsrc` reports as `session-mark`.
   *
   * Returns: %TRUE if queued
   */
  signals[SIGNAL_MARK] = g_signal_new_class_handler ("mark",
      G_TYPE_FROM_CLASS (klass),
      (GSignalFlags) (G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK (gst_session_sink_mark), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_STRING);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "Session sink",
      "Sink/Audio/Network",
      "Sends audio back to the client session each buffer belongs to",
      GST_SESSIONCTX_AUTHOR);
}
