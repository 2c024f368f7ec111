/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/sessionctx/context.h>

G_BEGIN_DECLS

/**
 * GstSessionStats:
 * @frames: media messages received from the client.
 * @bytes: encoded media bytes received (after base64 decoding).
 * @duration: how long the session lasted.
 *
 * Counters carried by the `session-ended` message.
 */
typedef struct
{
  guint64 frames;
  guint64 bytes;
  GstClockTime duration;
} GstSessionStats;

/* Element messages posted on the bus. Each carries the field "context"
 * (GstSessionContext) and "session-id" (string). */
#define GST_SESSION_STARTED_MESSAGE_NAME "session-started"
#define GST_SESSION_ENDED_MESSAGE_NAME "session-ended"
#define GST_SESSION_MESSAGE_MESSAGE_NAME "session-message"
#define GST_SESSION_MARK_MESSAGE_NAME "session-mark"

GST_SESSIONCTX_API
GstMessage * gst_message_new_session_started (GstObject * src,
    GstSessionContext * context);
GST_SESSIONCTX_API
GstMessage * gst_message_new_session_ended (GstObject * src,
    GstSessionContext * context, GstSessionEndReason reason,
    const GstSessionStats * stats);
GST_SESSIONCTX_API
GstMessage * gst_message_new_session_message (GstObject * src,
    GstSessionContext * context, const gchar * json);
GST_SESSIONCTX_API
GstMessage * gst_message_new_session_mark (GstObject * src,
    GstSessionContext * context, const gchar * name);

GST_SESSIONCTX_API
GstSessionContext * gst_message_get_session_context (GstMessage * message);
GST_SESSIONCTX_API
gboolean gst_message_parse_session_ended (GstMessage * message,
    GstSessionContext ** context, GstSessionEndReason * reason,
    GstSessionStats * stats);

G_END_DECLS
