/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/sessionctx/context.h>

G_BEGIN_DECLS

/**
 * GST_TURN_START_EVENT_NAME:
 *
 * Structure name of the serialized custom downstream event `turndetect`
 * sends where a caller's turn begins ("turn-start"; fields `turn` (guint,
 * 1 for a stream's first turn), `start` (guint64, the running time of the
 * turn's first sample on the element's input), and `context` and
 * `session-id` when the stream names its session).
 *
 * In `turndetect`'s default mode (hold) it comes right before the turn's
 * first buffer; in live mode when the turn is recognised, about
 * started-talking-threshold after `start`.
 */
#define GST_TURN_START_EVENT_NAME "turn-start"
/**
 * GST_TURN_END_EVENT_NAME:
 *
 * Structure name of the serialized custom downstream event that closes a
 * turn ("turn-end"; the fields of "turn-start" plus `end` (guint64, the
 * running time just past the turn's last sample on the element's input),
 * `duration` (guint64, `end` - `start`) and `reason` (string: `pause`,
 * `max-length`, `eos`)). In hold mode it comes right after the turn's last
 * buffer; in live mode when the pause is recognised (pause-duration after
 * `end`).
 */
#define GST_TURN_END_EVENT_NAME "turn-end"
/**
 * GST_TURN_STARTED_MESSAGE_NAME:
 *
 * Name of the element message `turndetect` posts when a turn begins
 * (fields as the "turn-start" event, and `interrupt`, gboolean: TRUE when
 * the turn is to cut a reply still playing to the caller, turndetect's
 * `can-interrupt`). `sessionbin` acts on any such message from a handler
 * whose `interrupt` is TRUE: it drops what the handler's audio output
 * still has for the session until the turn-ended message of the same
 * turn, clears the session, and adds `interrupted` (gboolean: a reply was
 * playing and was cut) to the message it reposts.
 */
#define GST_TURN_STARTED_MESSAGE_NAME "turn-started"
/**
 * GST_TURN_ENDED_MESSAGE_NAME:
 *
 * Name of the element message `turndetect` posts when a turn ends (fields
 * as the "turn-end" event; `reason` also `flush` when a flush discarded
 * it).
 */
#define GST_TURN_ENDED_MESSAGE_NAME "turn-ended"

GST_SESSIONCTX_API
GstEvent * gst_event_new_turn_start (GstSessionContext * context, guint turn,
    GstClockTime start);
GST_SESSIONCTX_API
gboolean gst_event_parse_turn_start (GstEvent * event,
    GstSessionContext ** context, guint * turn, GstClockTime * start);

GST_SESSIONCTX_API
GstEvent * gst_event_new_turn_end (GstSessionContext * context, guint turn,
    GstClockTime start, GstClockTime end, const gchar * reason);
GST_SESSIONCTX_API
gboolean gst_event_parse_turn_end (GstEvent * event,
    GstSessionContext ** context, guint * turn, GstClockTime * start,
    GstClockTime * end, gchar ** reason);

GST_SESSIONCTX_API
GstMessage * gst_message_new_turn_started (GstObject * src,
    GstSessionContext * context, guint turn, GstClockTime start);
GST_SESSIONCTX_API
gboolean gst_message_parse_turn_started (GstMessage * message,
    GstSessionContext ** context, guint * turn, GstClockTime * start);

GST_SESSIONCTX_API
GstMessage * gst_message_new_turn_ended (GstObject * src,
    GstSessionContext * context, guint turn, GstClockTime start,
    GstClockTime end, const gchar * reason);
GST_SESSIONCTX_API
gboolean gst_message_parse_turn_ended (GstMessage * message,
    GstSessionContext ** context, guint * turn, GstClockTime * start,
    GstClockTime * end, gchar ** reason);

G_END_DECLS
