/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gst/sessionctx/sessionctx.h"

/* The fields every turn structure has: the turn, its start, and the
 * session when known. */
static GstStructure *
turn_structure (const gchar * name, GstSessionContext * context, guint turn,
    GstClockTime start)
{
  GstStructure *s = gst_structure_new (name,
      "turn", G_TYPE_UINT, turn,
      "start", G_TYPE_UINT64, (guint64) start, NULL);
  if (context)
    gst_structure_set (s, "context", GST_TYPE_SESSION_CONTEXT, context,
        "session-id", G_TYPE_STRING, gst_session_context_get_id (context),
        NULL);
  return s;
}

static GstStructure *
turn_end_structure (const gchar * name, GstSessionContext * context,
    guint turn, GstClockTime start, GstClockTime end, const gchar * reason)
{
  GstStructure *s = turn_structure (name, context, turn, start);
  gst_structure_set (s, "end", G_TYPE_UINT64, (guint64) end,
      "duration", G_TYPE_UINT64, (guint64) (end > start ? end - start : 0),
      "reason", G_TYPE_STRING, reason ? reason : "pause", NULL);
  return s;
}

/* Reads the fields of a turn structure named @name; FALSE (nothing
 * written) when @s is not one. */
static gboolean
parse_turn (const GstStructure * s, const gchar * name,
    GstSessionContext ** context, guint * turn, GstClockTime * start,
    GstClockTime * end, gchar ** reason)
{
  if (!s || !gst_structure_has_name (s, name))
    return FALSE;
  if (context) {
    *context = NULL;
    if (gst_structure_has_field_typed (s, "context", GST_TYPE_SESSION_CONTEXT))
      gst_structure_get (s, "context", GST_TYPE_SESSION_CONTEXT, context,
          NULL);
  }
  if (turn && !gst_structure_get_uint (s, "turn", turn))
    *turn = 0;
  guint64 v = GST_CLOCK_TIME_NONE;
  if (start)
    *start = gst_structure_get_uint64 (s, "start", &v) ? v :
        GST_CLOCK_TIME_NONE;
  if (end)
    *end = gst_structure_get_uint64 (s, "end", &v) ? v : GST_CLOCK_TIME_NONE;
  if (reason)
    *reason = g_strdup (gst_structure_get_string (s, "reason"));
  return TRUE;
}

static const GstStructure *
event_structure (GstEvent * event)
{
  g_return_val_if_fail (GST_IS_EVENT (event), NULL);
  return gst_event_get_structure (event);
}

static const GstStructure *
message_structure (GstMessage * message)
{
  g_return_val_if_fail (GST_IS_MESSAGE (message), NULL);
  return gst_message_get_structure (message);
}

/**
 * gst_event_new_turn_start:
 * @context: (nullable): the session, when known
 * @turn: the turn's number in its stream, from 1
 * @start: running time of the turn's first sample
 *
 * A serialized custom downstream event "turn-start": see
 * %GST_TURN_START_EVENT_NAME.
 *
 * Returns: (transfer full): the event
 */
GstEvent *
gst_event_new_turn_start (GstSessionContext * context, guint turn,
    GstClockTime start)
{
  g_return_val_if_fail (!context || GST_IS_SESSION_CONTEXT (context), NULL);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      turn_structure (GST_TURN_START_EVENT_NAME, context, turn, start));
}

/**
 * gst_event_parse_turn_start:
 * @event: an event
 * @context: (out) (transfer full) (optional) (nullable): the session, or
 *   %NULL when the event names none
 * @turn: (out) (optional): the turn's number
 * @start: (out) (optional): running time of its first sample
 *
 * Returns: %TRUE if @event is a turn-start event
 */
gboolean
gst_event_parse_turn_start (GstEvent * event, GstSessionContext ** context,
    guint * turn, GstClockTime * start)
{
  return parse_turn (event_structure (event), GST_TURN_START_EVENT_NAME,
      context, turn, start, NULL, NULL);
}

/**
 * gst_event_new_turn_end:
 * @context: (nullable): the session, when known
 * @turn: the turn's number in its stream, from 1
 * @start: running time of the turn's first sample
 * @end: running time just past its last sample
 * @reason: (nullable): why it ended: "pause" (the default), "max-length",
 *   "eos"
 *
 * A serialized custom downstream event "turn-end": see
 * %GST_TURN_END_EVENT_NAME.
 *
 * Returns: (transfer full): the event
 */
GstEvent *
gst_event_new_turn_end (GstSessionContext * context, guint turn,
    GstClockTime start, GstClockTime end, const gchar * reason)
{
  g_return_val_if_fail (!context || GST_IS_SESSION_CONTEXT (context), NULL);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      turn_end_structure (GST_TURN_END_EVENT_NAME, context, turn, start, end,
          reason));
}

/**
 * gst_event_parse_turn_end:
 * @event: an event
 * @context: (out) (transfer full) (optional) (nullable): the session, or
 *   %NULL when the event names none
 * @turn: (out) (optional): the turn's number
 * @start: (out) (optional): running time of its first sample
 * @end: (out) (optional): running time just past its last sample
 * @reason: (out) (transfer full) (optional) (nullable): why it ended
 *
 * Returns: %TRUE if @event is a turn-end event
 */
gboolean
gst_event_parse_turn_end (GstEvent * event, GstSessionContext ** context,
    guint * turn, GstClockTime * start, GstClockTime * end, gchar ** reason)
{
  return parse_turn (event_structure (event), GST_TURN_END_EVENT_NAME,
      context, turn, start, end, reason);
}

/**
 * gst_message_new_turn_started:
 * @src: (nullable): the element posting it
 * @context: (nullable): the session, when known
 * @turn: the turn's number in its stream, from 1
 * @start: running time of the turn's first sample
 *
 * An element message "turn-started": see %GST_TURN_STARTED_MESSAGE_NAME.
 *
 * Returns: (transfer full): the message
 */
GstMessage *
gst_message_new_turn_started (GstObject * src, GstSessionContext * context,
    guint turn, GstClockTime start)
{
  g_return_val_if_fail (!context || GST_IS_SESSION_CONTEXT (context), NULL);
  return gst_message_new_element (src,
      turn_structure (GST_TURN_STARTED_MESSAGE_NAME, context, turn, start));
}

/**
 * gst_message_parse_turn_started:
 * @message: a message
 * @context: (out) (transfer full) (optional) (nullable): the session, or
 *   %NULL when the message names none
 * @turn: (out) (optional): the turn's number
 * @start: (out) (optional): running time of its first sample
 *
 * Returns: %TRUE if @message is a turn-started message
 */
gboolean
gst_message_parse_turn_started (GstMessage * message,
    GstSessionContext ** context, guint * turn, GstClockTime * start)
{
  return parse_turn (message_structure (message),
      GST_TURN_STARTED_MESSAGE_NAME, context, turn, start, NULL, NULL);
}

/**
 * gst_message_new_turn_ended:
 * @src: (nullable): the element posting it
 * @context: (nullable): the session, when known
 * @turn: the turn's number in its stream, from 1
 * @start: running time of the turn's first sample
 * @end: running time just past its last sample
 * @reason: (nullable): why it ended: "pause" (the default), "max-length",
 *   "eos", "flush"
 *
 * An element message "turn-ended" (fields `start`, `end`, `duration`,
 * `turn`, `reason`): see %GST_TURN_ENDED_MESSAGE_NAME.
 *
 * Returns: (transfer full): the message
 */
GstMessage *
gst_message_new_turn_ended (GstObject * src, GstSessionContext * context,
    guint turn, GstClockTime start, GstClockTime end, const gchar * reason)
{
  g_return_val_if_fail (!context || GST_IS_SESSION_CONTEXT (context), NULL);
  return gst_message_new_element (src,
      turn_end_structure (GST_TURN_ENDED_MESSAGE_NAME, context, turn, start,
          end, reason));
}

/**
 * gst_message_parse_turn_ended:
 * @message: a message
 * @context: (out) (transfer full) (optional) (nullable): the session, or
 *   %NULL when the message names none
 * @turn: (out) (optional): the turn's number
 * @start: (out) (optional): running time of its first sample
 * @end: (out) (optional): running time just past its last sample
 * @reason: (out) (transfer full) (optional) (nullable): why it ended
 *
 * Returns: %TRUE if @message is a turn-ended message
 */
gboolean
gst_message_parse_turn_ended (GstMessage * message,
    GstSessionContext ** context, guint * turn, GstClockTime * start,
    GstClockTime * end, gchar ** reason)
{
  return parse_turn (message_structure (message),
      GST_TURN_ENDED_MESSAGE_NAME, context, turn, start, end, reason);
}
