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

G_END_DECLS
