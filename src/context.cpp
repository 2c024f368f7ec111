/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gst/sessionctx/sessionctx.h"

/* Plain data: GObject never runs C++ constructors (STYLE.md). */
struct _GstSessionContext
{
  GObject parent;

  gchar *id;
  GstSessionTransport transport;
  GstSessionDialect dialect;
  gchar *remote_address;
  GstStructure *metadata;
  gint64 started_wall;
  gint64 started_monotonic;
};

enum
{
  PROP_0,
  PROP_ID,
  PROP_TRANSPORT,
  PROP_DIALECT,
  PROP_REMOTE_ADDRESS,
  PROP_METADATA,
  PROP_STARTED_WALL,
  PROP_STARTED_MONOTONIC,
};

G_DEFINE_TYPE (GstSessionContext, gst_session_context, G_TYPE_OBJECT);

#define DEFINE_ENUM_TYPE(func, Name, values)                                 \
  GType func (void)                                                          \
  {                                                                          \
    static gsize id = 0;                                                     \
    if (g_once_init_enter (&id))                                             \
      g_once_init_leave (&id, g_enum_register_static (Name, values));        \
    return id;                                                               \
  }

static const GEnumValue transport_values[] = {
  {GST_SESSION_TRANSPORT_WEBSOCKET, "WebSocket", "websocket"},
  {GST_SESSION_TRANSPORT_WEBRTC, "WebRTC", "webrtc"},
  {0, NULL, NULL},
};
static const GEnumValue dialect_values[] = {
  {GST_SESSION_DIALECT_FASTRTC, "FastRTC", "fastrtc"},
  {GST_SESSION_DIALECT_TWILIO, "Twilio Media Streams", "twilio"},
  {0, NULL, NULL},
};
static const GEnumValue reason_values[] = {
  {GST_SESSION_END_REASON_STOP, "Client sent stop", "stop"},
  {GST_SESSION_END_REASON_DISCONNECT, "Client disconnected", "disconnect"},
  {GST_SESSION_END_REASON_ERROR, "Protocol error", "error"},
  {GST_SESSION_END_REASON_TIME_LIMIT, "Time limit reached", "time-limit"},
  {GST_SESSION_END_REASON_IDLE, "Idle timeout", "idle"},
  {GST_SESSION_END_REASON_SHUTDOWN, "Element shut down", "shutdown"},
  {GST_SESSION_END_REASON_CONNECT_TIMEOUT, "Peer did not connect in time",
      "connect-timeout"},
  {GST_SESSION_END_REASON_API, "Ended through the session API", "api"},
  {0, NULL, NULL},
};

DEFINE_ENUM_TYPE (gst_session_transport_get_type, "GstSessionTransport",
    transport_values)
DEFINE_ENUM_TYPE (gst_session_dialect_get_type, "GstSessionDialect",
    dialect_values)
DEFINE_ENUM_TYPE (gst_session_end_reason_get_type, "GstSessionEndReason",
    reason_values)

static const gchar *
nick_of (const GEnumValue * values, gint value)
{
  for (const GEnumValue * v = values; v->value_nick; v++)
    if (v->value == value)
      return v->value_nick;
  return "unknown";
}

/**
 * gst_session_transport_to_string:
 * @transport: a #GstSessionTransport
 *
 * Returns: the short name ("websocket", "webrtc").
 */
const gchar *
gst_session_transport_to_string (GstSessionTransport transport)
{
  return nick_of (transport_values, transport);
}

/**
 * gst_session_dialect_to_string:
 * @dialect: a #GstSessionDialect
 *
 * Returns: the short name ("fastrtc", "twilio").
 */
const gchar *
gst_session_dialect_to_string (GstSessionDialect dialect)
{
  return nick_of (dialect_values, dialect);
}

/**
 * gst_session_end_reason_to_string:
 * @reason: a #GstSessionEndReason
 *
 * Returns: the short name ("stop", "disconnect", "error", "time-limit",
 * "idle", "shutdown", "connect-timeout", "api").
 */
const gchar *
gst_session_end_reason_to_string (GstSessionEndReason reason)
{
  return nick_of (reason_values, reason);
}

static void
gst_session_context_finalize (GObject * object)
{
  GstSessionContext *self = GST_SESSION_CONTEXT (object);

  g_free (self->id);
  g_free (self->remote_address);
  if (self->metadata)
    gst_structure_free (self->metadata);
  G_OBJECT_CLASS (gst_session_context_parent_class)->finalize (object);
}

static void
gst_session_context_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstSessionContext *self = GST_SESSION_CONTEXT (object);

  switch (prop_id) {
    case PROP_ID:
      g_free (self->id);
      self->id = g_value_dup_string (value);
      break;
    case PROP_TRANSPORT:
      self->transport = (GstSessionTransport) g_value_get_enum (value);
      break;
    case PROP_DIALECT:
      self->dialect = (GstSessionDialect) g_value_get_enum (value);
      break;
    case PROP_REMOTE_ADDRESS:
      g_free (self->remote_address);
      self->remote_address = g_value_dup_string (value);
      break;
    case PROP_METADATA:{
      if (self->metadata)
        gst_structure_free (self->metadata);
      const GstStructure *s = gst_value_get_structure (value);
      self->metadata = s ? gst_structure_copy (s) : NULL;
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_session_context_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstSessionContext *self = GST_SESSION_CONTEXT (object);

  switch (prop_id) {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_TRANSPORT:
      g_value_set_enum (value, self->transport);
      break;
    case PROP_DIALECT:
      g_value_set_enum (value, self->dialect);
      break;
    case PROP_REMOTE_ADDRESS:
      g_value_set_string (value, self->remote_address);
      break;
    case PROP_METADATA:
      gst_value_set_structure (value, self->metadata);
      break;
    case PROP_STARTED_WALL:
      g_value_set_int64 (value, self->started_wall);
      break;
    case PROP_STARTED_MONOTONIC:
      g_value_set_int64 (value, self->started_monotonic);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

/* Structures holding a context (messages, events) print its id instead of
 * NULL, e.g. in gst-launch-1.0 -m output. */
static gchar *
serialize_context (const GValue * value)
{
  auto *ctx = static_cast<GstSessionContext *> (g_value_get_object (value));
  return ctx ? g_strdup_printf ("%s/%s:%s", gst_session_transport_to_string
      (ctx->transport), gst_session_dialect_to_string (ctx->dialect), ctx->id)
      : g_strdup ("NULL");
}

static void
gst_session_context_class_init (GstSessionContextClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct_flags = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  const GParamFlags read_flags =
      (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  gobject_class->finalize = gst_session_context_finalize;

  static GstValueTable value_table = { 0, NULL, serialize_context, NULL };
  value_table.type = G_TYPE_FROM_CLASS (klass);
  gst_value_register (&value_table);
  gobject_class->set_property = gst_session_context_set_property;
  gobject_class->get_property = gst_session_context_get_property;

  /**
   * GstSessionContext:id:
   *
   * The session id the client chose (FastRTC `websocket_id`/`webrtc_id`,
   * Twilio `streamSid`).
   */
  g_object_class_install_property (gobject_class, PROP_ID,
      g_param_spec_string ("id", "Id", "Session id chosen by the client",
          NULL, construct_flags));
  /**
   * GstSessionContext:transport:
   *
   * WebSocket or WebRTC.
   */
  g_object_class_install_property (gobject_class, PROP_TRANSPORT,
      g_param_spec_enum ("transport", "Transport", "How the client connects",
          GST_TYPE_SESSION_TRANSPORT, GST_SESSION_TRANSPORT_WEBSOCKET,
          construct_flags));
  /**
   * GstSessionContext:dialect:
   *
   * FastRTC or Twilio.
   */
  g_object_class_install_property (gobject_class, PROP_DIALECT,
      g_param_spec_enum ("dialect", "Dialect", "Client protocol",
          GST_TYPE_SESSION_DIALECT, GST_SESSION_DIALECT_FASTRTC,
          construct_flags));
  /**
   * GstSessionContext:remote-address:
   *
   * "host:port" of the client as the server saw it.
   */
  g_object_class_install_property (gobject_class, PROP_REMOTE_ADDRESS,
      g_param_spec_string ("remote-address", "Remote address",
          "host:port of the client", NULL, construct_flags));
  /**
   * GstSessionContext:metadata:
   *
   * What the client said about itself; see #GstSessionContext.
   */
  g_object_class_install_property (gobject_class, PROP_METADATA,
      g_param_spec_boxed ("metadata", "Metadata",
          "Client metadata (Twilio start fields, URL query, headers)",
          GST_TYPE_STRUCTURE, construct_flags));
  /**
   * GstSessionContext:started-wall:
   *
   * Wall-clock start time, microseconds since the Unix epoch.
   */
  g_object_class_install_property (gobject_class, PROP_STARTED_WALL,
      g_param_spec_int64 ("started-wall", "Started (wall clock)",
          "Start time in microseconds since the epoch", 0, G_MAXINT64, 0,
          read_flags));
  /**
   * GstSessionContext:started-monotonic:
   *
   * Monotonic start time (g_get_monotonic_time(), microseconds).
   */
  g_object_class_install_property (gobject_class, PROP_STARTED_MONOTONIC,
      g_param_spec_int64 ("started-monotonic", "Started (monotonic)",
          "Monotonic start time in microseconds", 0, G_MAXINT64, 0,
          read_flags));
}

static void
gst_session_context_init (GstSessionContext * self)
{
  self->started_wall = g_get_real_time ();
  self->started_monotonic = g_get_monotonic_time ();
}

/**
 * gst_session_context_new:
 * @id: the session id (non-empty)
 * @transport: the transport
 * @dialect: the client protocol
 * @remote_address: (nullable): "host:port" of the client
 * @metadata: (transfer full) (nullable): metadata; an empty "metadata"
 *   structure is used when %NULL
 *
 * Creates a context. Elements create contexts when sessions start;
 * applications may create their own, for example to tag media from files.
 *
 * Returns: (transfer full): a new #GstSessionContext
 */
GstSessionContext *
gst_session_context_new (const gchar * id, GstSessionTransport transport,
    GstSessionDialect dialect, const gchar * remote_address,
    GstStructure * metadata)
{
  g_return_val_if_fail (id != NULL && *id != '\0', NULL);

  GstSessionContext *self = GST_SESSION_CONTEXT (g_object_new
      (GST_TYPE_SESSION_CONTEXT, NULL));
  self->id = g_strdup (id);
  self->transport = transport;
  self->dialect = dialect;
  self->remote_address = g_strdup (remote_address);
  self->metadata = metadata ? metadata : gst_structure_new_empty ("metadata");
  return self;
}

/**
 * gst_session_context_get_id:
 * @context: a #GstSessionContext
 *
 * Returns: (transfer none): the session id
 */
const gchar *
gst_session_context_get_id (GstSessionContext * context)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context), NULL);
  return context->id;
}

/**
 * gst_session_context_get_transport:
 * @context: a #GstSessionContext
 *
 * Returns: the transport
 */
GstSessionTransport
gst_session_context_get_transport (GstSessionContext * context)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context),
      GST_SESSION_TRANSPORT_WEBSOCKET);
  return context->transport;
}

/**
 * gst_session_context_get_dialect:
 * @context: a #GstSessionContext
 *
 * Returns: the client protocol
 */
GstSessionDialect
gst_session_context_get_dialect (GstSessionContext * context)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context),
      GST_SESSION_DIALECT_FASTRTC);
  return context->dialect;
}

/**
 * gst_session_context_get_remote_address:
 * @context: a #GstSessionContext
 *
 * Returns: (transfer none) (nullable): "host:port" of the client
 */
const gchar *
gst_session_context_get_remote_address (GstSessionContext * context)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context), NULL);
  return context->remote_address;
}

/**
 * gst_session_context_get_metadata:
 * @context: a #GstSessionContext
 *
 * Returns: (transfer none): the metadata structure (never %NULL)
 */
const GstStructure *
gst_session_context_get_metadata (GstSessionContext * context)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context), NULL);
  return context->metadata;
}

/**
 * gst_session_context_get_started_wall:
 * @context: a #GstSessionContext
 *
 * Returns: start time, microseconds since the Unix epoch
 */
gint64
gst_session_context_get_started_wall (GstSessionContext * context)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context), 0);
  return context->started_wall;
}

/**
 * gst_session_context_get_started_monotonic:
 * @context: a #GstSessionContext
 *
 * Returns: start time on g_get_monotonic_time()'s clock, microseconds
 */
gint64
gst_session_context_get_started_monotonic (GstSessionContext * context)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context), 0);
  return context->started_monotonic;
}

/**
 * gst_session_context_get_current:
 * @pad: (nullable): the pad @buffer is travelling through
 * @buffer: (nullable): the buffer
 *
 * The current session: from @buffer's #GstSessionMeta when it has one, else
 * from the sticky session-context event on @pad, else %NULL (no session —
 * the analog of FastRTC's `get_current_context()` raising). Works the same
 * for WebSocket and WebRTC sessions.
 *
 * Returns: (transfer full) (nullable): the context, or %NULL
 */
GstSessionContext *
gst_session_context_get_current (GstPad * pad, GstBuffer * buffer)
{
  if (buffer) {
    GstSessionMeta *meta = gst_buffer_get_session_meta (buffer);
    if (meta && meta->context)
      return GST_SESSION_CONTEXT (g_object_ref (meta->context));
  }
  if (pad) {
    GstSessionContext *context = NULL;
    for (guint i = 0;; i++) {
      GstEvent *event = gst_pad_get_sticky_event (pad,
          GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, i);
      if (!event)
        break;
      gboolean found = gst_event_parse_session_context (event, &context);
      gst_event_unref (event);
      if (found)
        return context;
    }
  }
  return NULL;
}
