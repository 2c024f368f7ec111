/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/sessionctx/sessionctx-prelude.h>

G_BEGIN_DECLS

/**
 * GstSessionTransport:
 * @GST_SESSION_TRANSPORT_WEBSOCKET: the client streams over a WebSocket.
 * @GST_SESSION_TRANSPORT_WEBRTC: the client streams over WebRTC.
 *
 * How the client's media reaches the pipeline.
 */
typedef enum
{
  GST_SESSION_TRANSPORT_WEBSOCKET = 0,
  GST_SESSION_TRANSPORT_WEBRTC = 1,
} GstSessionTransport;

/**
 * GstSessionDialect:
 * @GST_SESSION_DIALECT_FASTRTC: FastRTC's JSON protocol (`/websocket/offer`,
 *   `/webrtc/offer`).
 * @GST_SESSION_DIALECT_TWILIO: Twilio Media Streams (`/telephone/handler`).
 *
 * Which client protocol the session speaks.
 */
typedef enum
{
  GST_SESSION_DIALECT_FASTRTC = 0,
  GST_SESSION_DIALECT_TWILIO = 1,
} GstSessionDialect;

/**
 * GstSessionEndReason:
 * @GST_SESSION_END_REASON_STOP: the client sent `stop`.
 * @GST_SESSION_END_REASON_DISCONNECT: the client went away (close frame or
 *   lost connection) without `stop`.
 * @GST_SESSION_END_REASON_ERROR: the server ended the session on a protocol
 *   error (for example an oversized frame).
 * @GST_SESSION_END_REASON_TIME_LIMIT: the session reached `time-limit`.
 * @GST_SESSION_END_REASON_IDLE: no media for `idle-timeout` seconds.
 * @GST_SESSION_END_REASON_SHUTDOWN: the element stopped (pipeline to READY or
 *   NULL).
 * @GST_SESSION_END_REASON_CONNECT_TIMEOUT: a WebRTC peer did not connect in
 *   time.
 * @GST_SESSION_END_REASON_API: an application ended it through the session
 *   API (`DELETE /sessions/{id}`, see `api-token`).
 *
 * Why a session ended; carried by the `session-ended` message and the
 * `session-end` event.
 */
typedef enum
{
  GST_SESSION_END_REASON_STOP = 0,
  GST_SESSION_END_REASON_DISCONNECT,
  GST_SESSION_END_REASON_ERROR,
  GST_SESSION_END_REASON_TIME_LIMIT,
  GST_SESSION_END_REASON_IDLE,
  GST_SESSION_END_REASON_SHUTDOWN,
  GST_SESSION_END_REASON_CONNECT_TIMEOUT,
  GST_SESSION_END_REASON_API,
} GstSessionEndReason;

#define GST_TYPE_SESSION_TRANSPORT (gst_session_transport_get_type ())
GST_SESSIONCTX_API GType gst_session_transport_get_type (void);
#define GST_TYPE_SESSION_DIALECT (gst_session_dialect_get_type ())
GST_SESSIONCTX_API GType gst_session_dialect_get_type (void);
#define GST_TYPE_SESSION_END_REASON (gst_session_end_reason_get_type ())
GST_SESSIONCTX_API GType gst_session_end_reason_get_type (void);

GST_SESSIONCTX_API
const gchar * gst_session_transport_to_string (GstSessionTransport transport);
GST_SESSIONCTX_API
const gchar * gst_session_dialect_to_string (GstSessionDialect dialect);
GST_SESSIONCTX_API
const gchar * gst_session_end_reason_to_string (GstSessionEndReason reason);

/**
 * GstSessionContext:
 *
 * Who a piece of media belongs to: the id the client chose (FastRTC
 * `websocket_id` / `webrtc_id`, Twilio `streamSid`), the transport and
 * dialect, the remote address, when the session started, and a
 * #GstStructure of metadata (Twilio `callSid`, `accountSid`, `tracks`,
 * `mediaFormat`, `customParameters`; the URL `query` parameters of the
 * connection request; selected request `headers`).
 *
 * A context is immutable once created and reference counted: buffers (via
 * #GstSessionMeta), events and messages hold references to it. Retrieve the
 * context of a buffer with gst_session_context_get_current().
 */
#define GST_TYPE_SESSION_CONTEXT (gst_session_context_get_type ())
GST_SESSIONCTX_API
G_DECLARE_FINAL_TYPE (GstSessionContext, gst_session_context, GST,
    SESSION_CONTEXT, GObject)

GST_SESSIONCTX_API
GstSessionContext * gst_session_context_new (const gchar * id,
    GstSessionTransport transport, GstSessionDialect dialect,
    const gchar * remote_address, GstStructure * metadata);

GST_SESSIONCTX_API
const gchar * gst_session_context_get_id (GstSessionContext * context);
GST_SESSIONCTX_API
GstSessionTransport gst_session_context_get_transport (GstSessionContext *
    context);
GST_SESSIONCTX_API
GstSessionDialect gst_session_context_get_dialect (GstSessionContext * context);
GST_SESSIONCTX_API
const gchar * gst_session_context_get_remote_address (GstSessionContext *
    context);
GST_SESSIONCTX_API
const GstStructure * gst_session_context_get_metadata (GstSessionContext *
    context);
GST_SESSIONCTX_API
gint64 gst_session_context_get_started_wall (GstSessionContext * context);
GST_SESSIONCTX_API
gint64 gst_session_context_get_started_monotonic (GstSessionContext *
    context);

GST_SESSIONCTX_API
GstSessionContext * gst_session_context_get_current (GstPad * pad,
    GstBuffer * buffer);

G_END_DECLS
