/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gst/sessionctx/sessionctx.h"

static GstStructure *
base_structure (const gchar * name, GstSessionContext * context)
{
  return gst_structure_new (name,
      "context", GST_TYPE_SESSION_CONTEXT, context,
      "session-id", G_TYPE_STRING, gst_session_context_get_id (context),
      "transport", G_TYPE_STRING,
      gst_session_transport_to_string (gst_session_context_get_transport
          (context)), "dialect", G_TYPE_STRING,
      gst_session_dialect_to_string (gst_session_context_get_dialect
          (context)), NULL);
}

/**
 * gst_message_new_session_started:
 * @src: (nullable): the element posting it
 * @context: the session
 *
 * An element message "session-started" (fields `context`, `session-id`,
 * `transport`, `dialect`).
 *
 * Returns: (transfer full): the message
 */
GstMessage *
gst_message_new_session_started (GstObject * src, GstSessionContext * context)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context), NULL);
  return gst_message_new_element (src,
      base_structure (GST_SESSION_STARTED_MESSAGE_NAME, context));
}

/**
 * gst_message_new_session_ended:
 * @src: (nullable): the element posting it
 * @context: the session
 * @reason: why it ended
 * @stats: (nullable): counters
 *
 * An element message "session-ended" with the fields of "session-started"
 * plus `reason` (#GstSessionEndReason), `reason-name` (string), `frames`,
 * `bytes` (guint64) and `duration` (GstClockTime).
 *
 * Returns: (transfer full): the message
 */
GstMessage *
gst_message_new_session_ended (GstObject * src, GstSessionContext * context,
    GstSessionEndReason reason, const GstSessionStats * stats)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context), NULL);
  GstSessionStats zero = { 0, 0, 0 };
  if (!stats)
    stats = &zero;
  GstStructure *s = base_structure (GST_SESSION_ENDED_MESSAGE_NAME, context);
  gst_structure_set (s,
      "reason", GST_TYPE_SESSION_END_REASON, reason,
      "reason-name", G_TYPE_STRING, gst_session_end_reason_to_string (reason),
      "frames", G_TYPE_UINT64, stats->frames,
      "bytes", G_TYPE_UINT64, stats->bytes,
      "duration", G_TYPE_UINT64, (guint64) stats->duration, NULL);
  return gst_message_new_element (src, s);
}

/**
 * gst_message_new_session_message:
 * @src: (nullable): the element posting it
 * @context: the session
 * @json: the client's message, as received
 *
 * An element message "session-message" (field `message`): an application
 * message from the client that the element does not handle itself.
 *
 * Returns: (transfer full): the message
 */
GstMessage *
gst_message_new_session_message (GstObject * src, GstSessionContext * context,
    const gchar * json)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context), NULL);
  GstStructure *s = base_structure (GST_SESSION_MESSAGE_MESSAGE_NAME, context);
  gst_structure_set (s, "message", G_TYPE_STRING, json, NULL);
  return gst_message_new_element (src, s);
}

/**
 * gst_message_new_session_mark:
 * @src: (nullable): the element posting it
 * @context: the session
 * @name: the mark's name
 *
 * An element message "session-mark" (field `name`): the client played (or
 * cleared) all audio sent before the mark of that name.
 *
 * Returns: (transfer full): the message
 */
GstMessage *
gst_message_new_session_mark (GstObject * src, GstSessionContext * context,
    const gchar * name)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context), NULL);
  GstStructure *s = base_structure (GST_SESSION_MARK_MESSAGE_NAME, context);
  gst_structure_set (s, "name", G_TYPE_STRING, name, NULL);
  return gst_message_new_element (src, s);
}

/**
 * gst_message_get_session_context:
 * @message: a message
 *
 * Returns: (transfer full) (nullable): the session of a session-started,
 * session-ended, session-message or session-mark message
 */
GstSessionContext *
gst_message_get_session_context (GstMessage * message)
{
  g_return_val_if_fail (GST_IS_MESSAGE (message), NULL);
  const GstStructure *s = gst_message_get_structure (message);
  GstSessionContext *context = NULL;
  if (s && gst_structure_has_field_typed (s, "context",
          GST_TYPE_SESSION_CONTEXT))
    gst_structure_get (s, "context", GST_TYPE_SESSION_CONTEXT, &context,
        NULL);
  return context;
}

/**
 * gst_message_parse_session_ended:
 * @message: a message
 * @context: (out) (transfer full) (optional): the session
 * @reason: (out) (optional): why it ended
 * @stats: (out caller-allocates) (optional): counters
 *
 * Returns: %TRUE if @message is a session-ended message
 */
gboolean
gst_message_parse_session_ended (GstMessage * message,
    GstSessionContext ** context, GstSessionEndReason * reason,
    GstSessionStats * stats)
{
  g_return_val_if_fail (GST_IS_MESSAGE (message), FALSE);
  const GstStructure *s = gst_message_get_structure (message);
  if (!s || !gst_structure_has_name (s, GST_SESSION_ENDED_MESSAGE_NAME))
    return FALSE;
  if (context)
    *context = gst_message_get_session_context (message);
  if (reason) {
    gint r = 0;
    gst_structure_get_enum (s, "reason", GST_TYPE_SESSION_END_REASON, &r);
    *reason = (GstSessionEndReason) r;
  }
  if (stats) {
    guint64 d = 0;
    gst_structure_get_uint64 (s, "frames", &stats->frames);
    gst_structure_get_uint64 (s, "bytes", &stats->bytes);
    gst_structure_get_uint64 (s, "duration", &d);
    stats->duration = d;
  }
  return TRUE;
}
