/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gst/sessionctx/sessionctx.h"

static GstEvent *
new_event (GstEventType type, const gchar * name, GstSessionContext * context)
{
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context), NULL);
  return gst_event_new_custom (type, gst_structure_new (name,
          "context", GST_TYPE_SESSION_CONTEXT, context,
          "session-id", G_TYPE_STRING, gst_session_context_get_id (context),
          NULL));
}

static const GstStructure *
structure_named (GstEvent * event, const gchar * name)
{
  g_return_val_if_fail (GST_IS_EVENT (event), NULL);
  const GstStructure *s = gst_event_get_structure (event);
  return (s && gst_structure_has_name (s, name)) ? s : NULL;
}

static gboolean
take_context (const GstStructure * s, GstSessionContext ** context)
{
  if (!s)
    return FALSE;
  if (context)
    gst_structure_get (s, "context", GST_TYPE_SESSION_CONTEXT, context, NULL);
  return TRUE;
}

/**
 * gst_event_new_session_context:
 * @context: the session
 *
 * A sticky custom downstream event naming the session of a stream.
 *
 * Returns: (transfer full): the event
 */
GstEvent *
gst_event_new_session_context (GstSessionContext * context)
{
  return new_event (GST_EVENT_CUSTOM_DOWNSTREAM_STICKY,
      GST_SESSION_CONTEXT_EVENT_NAME, context);
}

/**
 * gst_event_parse_session_context:
 * @event: an event
 * @context: (out) (transfer full) (optional): the session
 *
 * Returns: %TRUE if @event is a session-context event
 */
gboolean
gst_event_parse_session_context (GstEvent * event,
    GstSessionContext ** context)
{
  return take_context (structure_named (event, GST_SESSION_CONTEXT_EVENT_NAME),
      context);
}

/**
 * gst_event_new_session_start:
 * @context: the session
 *
 * Returns: (transfer full): a serialized custom downstream event
 */
GstEvent *
gst_event_new_session_start (GstSessionContext * context)
{
  return new_event (GST_EVENT_CUSTOM_DOWNSTREAM,
      GST_SESSION_START_EVENT_NAME, context);
}

/**
 * gst_event_parse_session_start:
 * @event: an event
 * @context: (out) (transfer full) (optional): the session
 *
 * Returns: %TRUE if @event is a session-start event
 */
gboolean
gst_event_parse_session_start (GstEvent * event, GstSessionContext ** context)
{
  return take_context (structure_named (event, GST_SESSION_START_EVENT_NAME),
      context);
}

/**
 * gst_event_new_session_end:
 * @context: the session
 * @reason: why it ended
 *
 * Returns: (transfer full): a serialized custom downstream event
 */
GstEvent *
gst_event_new_session_end (GstSessionContext * context,
    GstSessionEndReason reason)
{
  GstEvent *event = new_event (GST_EVENT_CUSTOM_DOWNSTREAM,
      GST_SESSION_END_EVENT_NAME, context);
  gst_structure_set (gst_event_writable_structure (event), "reason",
      GST_TYPE_SESSION_END_REASON, reason, NULL);
  return event;
}

/**
 * gst_event_parse_session_end:
 * @event: an event
 * @context: (out) (transfer full) (optional): the session
 * @reason: (out) (optional): why it ended
 *
 * Returns: %TRUE if @event is a session-end event
 */
gboolean
gst_event_parse_session_end (GstEvent * event, GstSessionContext ** context,
    GstSessionEndReason * reason)
{
  const GstStructure *s = structure_named (event, GST_SESSION_END_EVENT_NAME);
  if (s && reason) {
    gint r = 0;
    gst_structure_get_enum (s, "reason", GST_TYPE_SESSION_END_REASON, &r);
    *reason = (GstSessionEndReason) r;
  }
  return take_context (s, context);
}

/**
 * gst_event_new_session_dtmf:
 * @context: the session
 * @digit: the digit ("0"-"9", "*", "#")
 *
 * Returns: (transfer full): a serialized custom downstream event
 */
GstEvent *
gst_event_new_session_dtmf (GstSessionContext * context, const gchar * digit)
{
  GstEvent *event = new_event (GST_EVENT_CUSTOM_DOWNSTREAM,
      GST_SESSION_DTMF_EVENT_NAME, context);
  gst_structure_set (gst_event_writable_structure (event), "digit",
      G_TYPE_STRING, digit, NULL);
  return event;
}

/**
 * gst_event_parse_session_dtmf:
 * @event: an event
 * @context: (out) (transfer full) (optional): the session
 * @digit: (out) (transfer full) (optional): the digit
 *
 * Returns: %TRUE if @event is a session-dtmf event
 */
gboolean
gst_event_parse_session_dtmf (GstEvent * event, GstSessionContext ** context,
    gchar ** digit)
{
  const GstStructure *s = structure_named (event, GST_SESSION_DTMF_EVENT_NAME);
  if (s && digit)
    *digit = g_strdup (gst_structure_get_string (s, "digit"));
  return take_context (s, context);
}

/**
 * gst_event_new_session_clear:
 * @context: (nullable): the session whose unsent output is dropped, or
 *   %NULL for the session of the pad the event travels on
 *
 * Drop what this session has not been sent yet: see
 * %GST_SESSION_CLEAR_EVENT_NAME.
 *
 * Returns: (transfer full): a serialized custom downstream event
 */
GstEvent *
gst_event_new_session_clear (GstSessionContext * context)
{
  if (!context)
    return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
        gst_structure_new_empty (GST_SESSION_CLEAR_EVENT_NAME));
  return new_event (GST_EVENT_CUSTOM_DOWNSTREAM,
      GST_SESSION_CLEAR_EVENT_NAME, context);
}

/**
 * gst_event_parse_session_clear:
 * @event: an event
 * @context: (out) (transfer full) (optional) (nullable): the session, or
 *   %NULL when the event names none
 *
 * Returns: %TRUE if @event is a session-clear event
 */
gboolean
gst_event_parse_session_clear (GstEvent * event, GstSessionContext ** context)
{
  const GstStructure *s = structure_named (event, GST_SESSION_CLEAR_EVENT_NAME);
  if (!s)
    return FALSE;
  if (context) {
    *context = nullptr;
    if (gst_structure_has_field (s, "context"))
      take_context (s, context);
  }
  return TRUE;
}
