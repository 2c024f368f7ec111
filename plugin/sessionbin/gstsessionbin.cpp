/* sessionbin: the whole server in one element, a handler pipeline per
 * session.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-sessionbin
 * @title: sessionbin
 *
 * The server of `sessionsrc` (every one of its server properties, same
 * names and defaults) with one fresh instance of a handler pipeline per
 * session: FastRTC's `Stream`, whose handler runs once per connection, as
 * one GStreamer element. It has no pads.
 *
 * Each session gets its own instance of #GstSessionBin:handler (a launch
 * description, made with gst_parse_bin_from_description() and ghost pads),
 * or of the element the #GstSessionBin::create-handler signal returns: one
 * per session, whatever the number of its media. Each of the session's
 * media is linked to the handler's first unlinked sink pad whose caps can
 * take it (`audio/x-raw`, `video/x-raw`), a kind it takes no
 * pad of is dropped, and each handler source pad of a kind that can be
 * sent back gets its own output stage. It
 * is created and linked before the session's first buffer and fed that
 * session's audio only (S16LE mono at #GstSessionBin:rate), so stateful
 * elements (resamplers, echo cancellers, recognizers, encoders) never mix
 * two callers. Inside it gst_session_context_get_current() answers on every
 * pad and buffer: the session-context sticky event comes before the first
 * buffer.
 *
 * * A handler with a source pad is send-receive: its output (any raw audio
 *   format and rate) is converted and sent back to that session's client
 *   as a #GstSessionSink would send it, in the client's transport and
 *   dialect (WebSocket JSON or binary media, Twilio, WebRTC Opus), paced
 *   on the clock: by a sink pad of the session's own, not an element. Its video output (any raw video) goes from the thread that ran
 *   the handler to the session's WebRTC peer, whose send chain converts,
 *   scales and encodes it on the peer's own thread.
 * * A handler without a source pad (it ends in a sink) is receive-only.
 * * No handler at all: each session's audio goes straight back (echo).
 *
 * Threads: no thread per session. A handler is set up (made, linked,
 * started) on the server's thread, between its rounds of media (at most
 * 1 ms of setups at a time, so a burst of connects does not hold up the
 * live sessions), the session's media held until then; each session's
 * media is then pushed into its handler by the streaming threads all
 * sessions share (#GstSessionBin:streaming-threads, one per core by
 * default), in order, one thread at a time per session. A handler that
 * blocks (an appsink callback that sleeps, a slow recognizer) holds only
 * the thread pushing into it: once that thread has slept or run 4 ms on
 * one batch, another takes over the others, so it delays only its own
 * session. Elements with a thread of their own (`queue`, a WebRTC
 * peer's) still have it. When a handler's audio output is already what
 * that pad takes (S16LE mono: `identity`, or a handler ending in such a
 * capsfilter) its output stage adds no element at all, else
 * `audioconvert ! audioresample`.
 *
 * A handler prerolls on its own (a bin's #GstBin:async-handling is set):
 * a sink in it waiting for its first buffer (appsink, filesink) never
 * takes the server out of PLAYING, so sessions that start meanwhile start
 * at once.
 *
 * Templating: `{session_id}`, `{transport}` and `{dialect}` in
 * #GstSessionBin:handler are replaced per session. Clients choose their
 * ids, so every substituted value is sanitized first: each character
 * outside `[A-Za-z0-9_-]` becomes `_` (an id `../a b!` becomes `___a_b_`).
 * A substituted value can therefore never add elements, set properties,
 * end a quoted string or name a parent directory. Only these three exact
 * tokens are replaced; other braces (caps lists) are left alone.
 *
 * End of a session: EOS goes into its handler after its last audio; the
 * handler's output drains to its client; when every sink of the session
 * has posted EOS (a WAV file is complete) or after
 * #GstSessionBin:handler-timeout, the handler is stopped and removed, and
 * sessionbin posts an element message `session-handler-done` (fields
 * `context`, `session-id`, `result`: `finished`, `timeout` or `failed`).
 * Leaving PLAYING ends every handler the same way first, so a recording
 * stopped with Ctrl-C is complete too. #GstSessionBin::drain stops taking
 * new sessions and posts EOS once the live ones and their handlers are
 * done (`gst-sessionctx-serve` emits it on SIGTERM).
 *
 * Element messages posted inside a handler reach the application as copies
 * from the same source element with two more fields, `session-id` and
 * `context` (so gst_message_get_session_context() works on them):
 * `gst-launch-1.0 -m` shows whose `level` reading it is. The state changes
 * of a handler's elements (and of its output stage's) stay inside
 * sessionbin: each session's start and end would otherwise post three per
 * element, each waking the application's bus.
 *
 * Interruption: a handler's `turn-started` message with `interrupt` = TRUE
 * (`turndetect`'s can-interrupt) while the handler's audio output still
 * plays cuts the reply: whatever the handler sends back is dropped at the
 * entry of its output stage until that turn's `turn-ended` (what waited in
 * the handler, an application's appsrc included, drains at once), and the
 * session is cleared (the buffer the sink waits on, a Twilio `clear`, a
 * WebSocket client's unsent frames, a WebRTC peer's send queue). The copy
 * reposted says `interrupted` = TRUE. Other sessions are not touched.
 * #GstSessionBin::send-message sends a session's client a JSON message.
 *
 * Errors stay in their session: an error inside a handler (an element
 * error, a file that cannot be opened, not-negotiated) ends that session
 * only, with reason `error`; a WebSocket client gets the failed reply
 * `handler_failed`; sessionbin posts a warning naming the session (details:
 * `session-id`, `error` = `handler_failed`). A #GstSessionBin:handler that
 * does not parse fails the state change to READY with an error that names
 * it.
 *
 * The inner sessionsrc posts the same bus messages as a `sessionsrc` does
 * (`session-started`, `session-ended`, ...), and its `session-message` and
 * `session-mark` signals are repeated by sessionbin.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 sessionbin port=8080 handler="audioconvert ! webrtcdsp ! audioconvert"
 * ]| Noise suppression per caller, sent back to each.
 * |[
 * gst-launch-1.0 -e sessionbin handler="wavenc ! filesink location=rec-{session_id}.wav"
 * ]| One WAV file per session (receive only).
 */

#include "sessionbin/gstsessionbin.h"
#include "core/serverconfig.h"
#include "sessionbin/sessionbinprivate.h"
#include "gstsessionctxelements.h"
#include "sessionsrc/gstsessionsrc.h"
#include "sessionbin/handlerset.h"
#include "sessionbin/handlertemplate.h"
#include "properties/properties.h"
#include "properties/serverproperties.h"
#include "sessionbin/sessionhandler.h"
#include "stream/sessionchildren.h"

#include "server/server.h"

#include <gst/sessionctx/sessionctx.h>
#include <json-glib/json-glib.h>

#include <memory>
#include <mutex>
#include <vector>

GST_DEBUG_CATEGORY (gst_session_bin_debug);
#define GST_CAT_DEFAULT gst_session_bin_debug

using sessionbin::SessionHandler;

namespace {

enum
{
  PROP_0,
  PROP_HANDLER,
  PROP_HANDLER_TIMEOUT,
  /* sessionsrc's server properties follow (serverproperties.h). */
  PROP_SERVER_FIRST,
};

}  // namespace

guint gst_session_bin_signals[SIGNAL_LAST];
/* The short name in this file. */
static guint *const signals = gst_session_bin_signals;

#define gst_session_bin_parent_class parent_class
G_DEFINE_TYPE (GstSessionBin, gst_session_bin, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (sessionbin, "sessionbin", GST_RANK_NONE,
    GST_TYPE_SESSION_BIN);

/* An error or a preroll message: what a handler's element must not pass
 * to the application. */
static bool
is_handler_state_or_error (GstMessage * message)
{
  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_ASYNC_START:
    case GST_MESSAGE_ASYNC_DONE:
      return true;
    default:
      return false;
  }
}

/* A handler's turn messages: a turn-started that asks for an interruption
 * cuts what plays for the session (a field `interrupted` says whether a
 * reply was cut); its turn-ended lets the handler's output through again.
 * @s: the copy to be reposted. */
static void
cut_on_turn (GstSessionBin * self, const std::shared_ptr<SessionHandler> & h,
    GstObject * src, GstStructure * s)
{
  guint turn = 0;
  if (gst_structure_has_name (s, GST_TURN_STARTED_MESSAGE_NAME)) {
    gboolean interrupt = FALSE;
    if (!gst_structure_get_boolean (s, "interrupt", &interrupt) || !interrupt)
      return;
    gst_structure_get_uint (s, "turn", &turn);
    bool cut = h->cut_reply (src, turn,
        gst_element_get_current_running_time (GST_ELEMENT (self)));
    gst_structure_set (s, "interrupted", G_TYPE_BOOLEAN, cut, NULL);
  } else if (gst_structure_has_name (s, GST_TURN_ENDED_MESSAGE_NAME)) {
    gst_structure_get_uint (s, "turn", &turn);
    h->turn_ended (src, turn);
  }
}

static void
gst_session_bin_handle_message (GstBin * bin, GstMessage * message)
{
  auto *self = GST_SESSION_BIN (bin);
  GstObject *src = GST_MESSAGE_SRC (message);
  if (src && src == GST_OBJECT (self->priv->src)) {
    GstSessionContext *context = nullptr;
    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT &&
        gst_message_has_name (message, GST_SESSION_ENDED_MESSAGE_NAME) &&
        gst_message_parse_session_ended (message, &context, nullptr, nullptr)) {
      start_drain (self, context);
      g_object_unref (context);
    } else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT &&
        gst_message_has_name (message, GST_SESSION_STARTED_MESSAGE_NAME)) {
      /* A client that sends nothing (FastRTC's receive mode) has no
       * session pad to start its handler: it starts now. */
      const gchar *media = gst_structure_get_string
          (gst_message_get_structure (message), "media");
      if (media && !*media &&
          (context = gst_message_get_session_context (message))) {
        if (!self->priv->handlers.find (context))
          start_handler (self, context, sessionctx::MediaKind::audio,
              nullptr);
        g_object_unref (context);
      }
    }
    GST_BIN_CLASS (parent_class)->handle_message (bin, message);
    return;
  }
  /* Every other child is a session's handler or output stage. */
  if (sessionctx::stays_inside (message)) {
    gst_message_unref (message);
    return;
  }

  GstElement *child = nullptr;
  auto h = src ? self->priv->handlers.owner_of (src, &child) : nullptr;
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_LATENCY && child
      && child != self->priv->src) {
    /* A sink of a session's handler changed its latency (a sink that does
     * not preroll posts this as it starts, while its handler is set up):
     * configured for that session only, on the setup thread, once the
     * handler is known with its output stages. Passed up, every new
     * session made the application's pipeline query and reconfigure every
     * session's sinks (gst-launch does: O(sessions) each time, O(n²) for a
     * burst of connects), and one session's latency applied to all. */
    gst_object_ref (child);
    self->priv->setup.post ([self, child] {
          if (auto owner = self->priv->handlers.owner_of (GST_OBJECT (child),
                  nullptr))
            owner->distribute_latency ();
          gst_object_unref (child);
        });
    gst_message_unref (message);
    return;
  }
  if (!h && child && child != self->priv->src && is_handler_state_or_error
      (message)) {
    /* Every child but the inner sessionsrc is a handler's: this one's
     * handler was taken for removal and still posts as it stops (a
     * queue's "Internal data stream error" after the session's flow
     * error removed it). Its session is ending already. */
    GST_DEBUG_OBJECT (self, "dropped %s from a handler being removed",
        GST_MESSAGE_TYPE_NAME (message));
    gst_message_unref (message);
    return;
  }
  if (!h) {
    GST_BIN_CLASS (parent_class)->handle_message (bin, message);
    return;
  }
  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_EOS:{
      if (self->priv->handlers.eos (h, child))
        remove_handler_async (self, h, "finished");
      gst_message_unref (message);
      return;
    }
    case GST_MESSAGE_ERROR:{
      GError *err = nullptr;
      gst_message_parse_error (message, &err, nullptr);
      std::string why = std::string (GST_OBJECT_NAME (src)) + ": " +
          (err ? err->message : "error");
      g_clear_error (&err);
      fail_handler (self, h, why);
      gst_message_unref (message);
      return;
    }
    case GST_MESSAGE_ASYNC_START:
    case GST_MESSAGE_ASYNC_DONE:
      /* A handler's preroll is its own (SessionHandler::start): the
       * server stays PLAYING while a session's first buffer is on its
       * way. */
      gst_message_unref (message);
      return;
    case GST_MESSAGE_ELEMENT:{
      GstStructure *s = gst_structure_copy (gst_message_get_structure
          (message));
      cut_on_turn (self, h, src, s);
      gst_structure_set (s, "session-id", G_TYPE_STRING,
          gst_session_context_get_id (h->context ()), "context",
          GST_TYPE_SESSION_CONTEXT, h->context (), NULL);
      GstMessage *copy = gst_message_new_element (src, s);
      gst_message_set_seqnum (copy, gst_message_get_seqnum (message));
      gst_message_unref (message);
      GST_BIN_CLASS (parent_class)->handle_message (bin, copy);
      return;
    }
    default:
      GST_BIN_CLASS (parent_class)->handle_message (bin, message);
      return;
  }
}

/* ------------------------------------------------------------------ */
/* Element                                                               */

/* The handler parses (with sample values for the placeholders). */
static bool
check_handler (GstSessionBin * self)
{
  std::string description;
  {
    std::lock_guard < std::mutex > l (self->priv->lock);
    description = self->priv->handler_description;
  }
  if (description.empty ())
    return true;
  GstSessionContext *sample = gst_session_context_new ("check",
      GST_SESSION_TRANSPORT_WEBSOCKET, GST_SESSION_DIALECT_FASTRTC, nullptr,
      nullptr);
  std::string error;
  GstElement *bin = sessionbin::parse_handler (description, sample, error);
  g_object_unref (sample);
  if (bin) {
    gst_object_unref (gst_object_ref_sink (bin));
    return true;
  }
  GST_ELEMENT_ERROR (self, CORE, FAILED,
      ("Handler \"%s\" does not parse: %s", description.c_str (),
          error.c_str ()), (NULL));
  return false;
}

static GstStateChangeReturn
gst_session_bin_change_state (GstElement * element, GstStateChange transition)
{
  auto *self = GST_SESSION_BIN (element);
  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!check_handler (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:{
      self->priv->handlers.reset_eos ();
      /* The setup thread in the background as the handshake threads are
       * (thread-policy=batch, the default). */
      gint policy = 0;
      g_object_get (self->priv->src, "thread-policy", &policy, NULL);
      self->priv->setup.set_background (policy ==
          (gint) sessionctx::ThreadPolicy::batch);
      break;
    }
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      /* Paused sinks would hold the EOS back: finish while playing (and
       * no latency job left for a handler about to go). */
      self->priv->setup.flush ();
      finish_handlers (self);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      self->priv->setup.flush ();
      /* A reply waiting for its time in an output would keep its handler
       * from stopping. */
      for (auto & h : self->priv->handlers.all ())
        h->stop_outputs ();
      break;
    default:
      break;
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    remove_all_handlers (self);
  return ret;
}

/* The inner sessionsrc's drain is complete: every session ended, so EOS
 * is on its way into every handler; the bin's EOS follows when they are
 * done, as after an application EOS (without sending one into sessionsrc:
 * its pads have ended, and send_event would take its state lock on a
 * server thread). */
static gboolean
on_drained (GstElement *, gpointer data)
{
  auto *self = GST_SESSION_BIN (data);
  if (self->priv->handlers.request_eos ())
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_eos
        (GST_OBJECT (self)));
  return TRUE;
}

/* An application EOS (gst-launch-1.0 -e) goes into every session; the
 * bin's EOS follows when their handlers are done. */
static gboolean
gst_session_bin_send_event (GstElement * element, GstEvent * event)
{
  auto *self = GST_SESSION_BIN (element);
  if (GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
  bool post_now = self->priv->handlers.request_eos ();
  gst_element_send_event (self->priv->src, event);
  if (post_now)
    gst_element_post_message (element, gst_message_new_eos (GST_OBJECT
            (element)));
  return TRUE;
}

static gboolean
gst_session_bin_send_message (GstSessionBin *, GstSessionContext * context,
    const gchar * json)
{
  auto session = sessionctx::session_from_context (context);
  if (!session || !json)
    return FALSE;
  JsonParser *parser = json_parser_new ();
  gboolean valid = json_parser_load_from_data (parser, json, -1, nullptr);
  g_object_unref (parser);
  return valid && session->send_text (json);
}

static void
gst_session_bin_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_SESSION_BIN (object);
  if (prop_id >= PROP_SERVER_FIRST) {
    g_object_set_property (G_OBJECT (self->priv->src),
        g_param_spec_get_name (pspec), value);
    return;
  }
  std::lock_guard < std::mutex > l (self->priv->lock);
  switch (prop_id) {
    case PROP_HANDLER:
      self->priv->handler_description = string_property (value);
      break;
    case PROP_HANDLER_TIMEOUT:
      self->priv->handler_timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_session_bin_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto *self = GST_SESSION_BIN (object);
  if (prop_id >= PROP_SERVER_FIRST) {
    g_object_get_property (G_OBJECT (self->priv->src),
        g_param_spec_get_name (pspec), value);
    return;
  }
  std::lock_guard < std::mutex > l (self->priv->lock);
  switch (prop_id) {
    case PROP_HANDLER:
      set_string_property (value, self->priv->handler_description);
      break;
    case PROP_HANDLER_TIMEOUT:
      g_value_set_uint (value, self->priv->handler_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_session_bin_finalize (GObject * object)
{
  auto *self = GST_SESSION_BIN (object);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_session_bin_init (GstSessionBin * self)
{
  self->priv = new GstSessionBinPrivate (self);
  self->priv->src = gst_element_factory_make ("sessionsrc", "sessionsrc");
  g_object_set (self->priv->src, "session-pads", TRUE, nullptr);
  gst_bin_add (GST_BIN (self), self->priv->src);
  g_signal_connect (self->priv->src, "pad-added",
      G_CALLBACK (on_session_pad), self);
  g_signal_connect (self->priv->src, "session-failed",
      G_CALLBACK (on_session_failed), self);
  g_signal_connect (self->priv->src, "drained", G_CALLBACK (on_drained),
      self);
  g_signal_connect (self->priv->src, "session-message",
      G_CALLBACK (+[](GstElement *, GstSessionContext * context,
                  const gchar * json, gpointer data) {
            g_signal_emit (data, signals[SIGNAL_SESSION_MESSAGE], 0,
                context, json);
          }), self);
  g_signal_connect (self->priv->src, "session-mark",
      G_CALLBACK (+[](GstElement *, GstSessionContext * context,
                  const gchar * name, gpointer data) {
            g_signal_emit (data, signals[SIGNAL_SESSION_MARK], 0, context,
                name);
          }), self);
  g_signal_connect (self->priv->src, "authorize",
      G_CALLBACK (+[](GstElement *, GstSessionContext * context,
                  gpointer data)->gboolean {
            gboolean allowed = TRUE;
            if (g_signal_has_handler_pending (data, signals[SIGNAL_AUTHORIZE],
                    0, FALSE))
              g_signal_emit (data, signals[SIGNAL_AUTHORIZE], 0, context,
                  &allowed);
            return allowed;
          }), self);
  /* A server: it produces (EOS goes to it) and consumes (EOS is awaited
   * from it), whatever its handlers are: GstBin would otherwise take the
   * sink flag away with the last handler's sink. */
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
  gst_bin_set_suppressed_flags (GST_BIN (self),
      (GstElementFlags) (GST_ELEMENT_FLAG_SOURCE | GST_ELEMENT_FLAG_SINK));
  /* Handlers joining and leaving while PLAYING must not make the
   * pipeline wait for their preroll. */
  g_object_set (self, "async-handling", TRUE, nullptr);
}

static void
gst_session_bin_class_init (GstSessionBinClass * klass)
{
  auto *gobject_class = G_OBJECT_CLASS (klass);
  auto *element_class = GST_ELEMENT_CLASS (klass);
  auto *bin_class = GST_BIN_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_session_bin_debug, "sessionbin", 0,
      "session server with a handler per session");

  gobject_class->set_property = gst_session_bin_set_property;
  gobject_class->get_property = gst_session_bin_get_property;
  gobject_class->finalize = gst_session_bin_finalize;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_session_bin_change_state);
  element_class->send_event = GST_DEBUG_FUNCPTR (gst_session_bin_send_event);
  bin_class->handle_message =
      GST_DEBUG_FUNCPTR (gst_session_bin_handle_message);

  /**
   * GstSessionBin:handler:
   *
   * Launch description of the pipeline each session gets an instance of,
   * e.g. `audioconvert ! webrtcdsp ! audioconvert` (send-receive) or
   * `wavenc ! filesink location=rec-{session_id}.wav` (receive only).
   * `{session_id}`, `{transport}` and `{dialect}` are replaced, sanitized.
   * NULL: echo. Ignored while #GstSessionBin::create-handler is connected.
   */
  g_object_class_install_property (gobject_class, PROP_HANDLER,
      g_param_spec_string ("handler", "Handler",
          "Launch description instantiated once per session ({session_id}, "
          "{transport}, {dialect} are replaced, sanitized to [A-Za-z0-9_-]); "
          "NULL = echo", nullptr, (GParamFlags) (G_PARAM_READWRITE |
              G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  /**
   * GstSessionBin:handler-timeout:
   *
   * Seconds a handler has, once its session ended, to pass EOS to all its
   * sinks before it is stopped anyway. (Called `drain-timeout` before
   * that name went to the server's drain, #GstSessionSrc:drain-timeout.)
   */
  g_object_class_install_property (gobject_class, PROP_HANDLER_TIMEOUT,
      g_param_spec_uint ("handler-timeout", "Handler timeout",
          "Seconds an ended session's handler has to finish (EOS in all its "
          "sinks) before it is removed anyway", 1, 3600,
          kDefaultHandlerTimeout, (GParamFlags) (G_PARAM_READWRITE |
              G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

  /* Every server property of sessionsrc, from the same table; set and
   * read by name on the inner sessionsrc. */
  const char *not_repeated[] = { "session-pads", nullptr };
  server_properties_install (gobject_class, PROP_SERVER_FIRST, not_repeated);

  /**
   * GstSessionBin::create-handler:
   * @bin: the element
   * @context: the new session
   *
   * Emitted on the server thread before the session's first buffer; when
   * connected it replaces #GstSessionBin:handler. Return a new element
   * (typically a bin with ghost pads: a `sink` pad for the session's
   * audio and, to send back, a `src` pad), or NULL to refuse the session
   * (it ends with `handler_failed`).
   *
   * Returns: (transfer full) (nullable): the session's handler
   */
  signals[SIGNAL_CREATE_HANDLER] = g_signal_new ("create-handler",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
      g_signal_accumulator_first_wins, NULL, NULL, GST_TYPE_ELEMENT, 1,
      GST_TYPE_SESSION_CONTEXT);
  /**
   * GstSessionBin::session-message:
   * @bin: the element
   * @context: the session
   * @json: the message
   *
   * As #GstSessionSrc::session-message.
   */
  signals[SIGNAL_SESSION_MESSAGE] = g_signal_new ("session-message",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, GST_TYPE_SESSION_CONTEXT, G_TYPE_STRING);
  /**
   * GstSessionBin::session-mark:
   * @bin: the element
   * @context: the session
   * @name: the mark's name
   *
   * As #GstSessionSrc::session-mark.
   */
  signals[SIGNAL_SESSION_MARK] = g_signal_new ("session-mark",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, GST_TYPE_SESSION_CONTEXT, G_TYPE_STRING);
  /**
   * GstSessionBin::authorize:
   * @bin: the element
   * @context: the session as it would start
   *
   * As #GstSessionSrc::authorize (emitted on the server's I/O thread:
   * quick and thread-safe). Returns: TRUE to let the session start
   */
  signals[SIGNAL_AUTHORIZE] = g_signal_new ("authorize",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
      gst_session_authorize_accumulator, NULL, NULL, G_TYPE_BOOLEAN, 1,
      GST_TYPE_SESSION_CONTEXT);
  /**
   * GstSessionBin::send-message:
   * @bin: the element
   * @context: the session
   * @json: a JSON text, sent as is
   *
   * Action signal: an application message to the session's client, as
   * #GstSessionSink::send-message does (over its WebSocket, or a WebRTC
   * peer's data channel), for a handler that has the context but not the
   * sink of its session's output (`create-handler` applications).
   *
   * Returns: %TRUE if queued; %FALSE when the session is not live, has no
   * way to take it (a WebRTC peer without an open data channel) or @json
   * is not valid JSON
   */
  signals[SIGNAL_SEND_MESSAGE] = g_signal_new_class_handler ("send-message",
      G_TYPE_FROM_CLASS (klass),
      (GSignalFlags) (G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK (gst_session_bin_send_message), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 2, GST_TYPE_SESSION_CONTEXT, G_TYPE_STRING);
  /**
   * GstSessionBin::drain:
   * @bin: the element
   *
   * Action signal, as #GstSessionSrc::drain: no new session (HTTP 503
   * `draining`), the live ones go on until they end or
   * drain-timeout (#GstSessionSrc:drain-timeout) passes, then are closed
   * (1001). When the
   * last session's handler has finished (a recording is complete, or
   * #GstSessionBin:handler-timeout passed) sessionbin posts EOS, as
   * after `gst-launch-1.0 -e`. The `draining` property reflects it.
   */
  signals[SIGNAL_DRAIN] = g_signal_new_class_handler ("drain",
      G_TYPE_FROM_CLASS (klass),
      (GSignalFlags) (G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK (+[](GstSessionBin * self) {
            g_signal_emit_by_name (self->priv->src, "drain");
          }), NULL, NULL, NULL, G_TYPE_NONE, 0);

  gst_element_class_set_static_metadata (element_class,
      "Session handler bin", "Source/Sink/Audio/Network",
      "FastRTC and Twilio WebSocket and WebRTC server running one handler "
      "pipeline per session, its output sent back to that session's client",
      GST_SESSIONCTX_AUTHOR);
}
