/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/sessionctx/context.h>

G_BEGIN_DECLS

/**
 * GST_SESSION_CONTEXT_EVENT_NAME:
 *
 * Structure name of the sticky custom downstream event that tells a pad
 * which session its stream belongs to ("session-context", field `context`).
 */
#define GST_SESSION_CONTEXT_EVENT_NAME "session-context"
/**
 * GST_SESSION_START_EVENT_NAME:
 *
 * Structure name of the serialized (non-sticky) event `sessionsrc` sends
 * before the first buffer of a session on its interleaved `src` pad.
 */
#define GST_SESSION_START_EVENT_NAME "session-start"
/**
 * GST_SESSION_END_EVENT_NAME:
 *
 * Structure name of the serialized event sent after the last buffer of a
 * session (fields `context`, `reason`).
 */
#define GST_SESSION_END_EVENT_NAME "session-end"
/**
 * GST_SESSION_DTMF_EVENT_NAME:
 *
 * Structure name of the serialized event carrying a Twilio DTMF digit
 * (fields `context`, `digit`).
 */
#define GST_SESSION_DTMF_EVENT_NAME "session-dtmf"
/**
 * GST_SESSION_CLEAR_EVENT_NAME:
 *
 * Structure name of the serialized custom downstream event that asks the
 * output stage to drop what a session has not been sent yet ("session-clear",
 * field `context`, optional): `sessionsink` drops that session's audio
 * queued for its client and, for Twilio, sends `{"event":"clear"}`, exactly
 * as its `clear` action signal does. Being serialized, it takes effect after
 * the buffers pushed before it: a turn detector that cuts a reply pushes it
 * where the reply flows. Without a context the session is the pad's (its
 * sticky session-context event).
 */
#define GST_SESSION_CLEAR_EVENT_NAME "session-clear"

GST_SESSIONCTX_API
GstEvent * gst_event_new_session_context (GstSessionContext * context);
GST_SESSIONCTX_API
gboolean gst_event_parse_session_context (GstEvent * event,
    GstSessionContext ** context);

GST_SESSIONCTX_API
GstEvent * gst_event_new_session_start (GstSessionContext * context);
GST_SESSIONCTX_API
gboolean gst_event_parse_session_start (GstEvent * event,
    GstSessionContext ** context);

GST_SESSIONCTX_API
GstEvent * gst_event_new_session_end (GstSessionContext * context,
    GstSessionEndReason reason);
GST_SESSIONCTX_API
gboolean gst_event_parse_session_end (GstEvent * event,
    GstSessionContext ** context, GstSessionEndReason * reason);

GST_SESSIONCTX_API
GstEvent * gst_event_new_session_dtmf (GstSessionContext * context,
    const gchar * digit);
GST_SESSIONCTX_API
gboolean gst_event_parse_session_dtmf (GstEvent * event,
    GstSessionContext ** context, gchar ** digit);

GST_SESSIONCTX_API
GstEvent * gst_event_new_session_clear (GstSessionContext * context);
GST_SESSIONCTX_API
gboolean gst_event_parse_session_clear (GstEvent * event,
    GstSessionContext ** context);

G_END_DECLS
