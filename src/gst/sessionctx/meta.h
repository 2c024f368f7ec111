/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/sessionctx/context.h>

G_BEGIN_DECLS

/**
 * GstSessionMeta:
 * @meta: the parent #GstMeta.
 * @context: the session this buffer's media came from (a reference is held).
 *
 * Buffer metadata naming the session of a buffer. It has no tags, so
 * elements that transform media (audioconvert, audioresample, encoders,
 * payloaders) keep it; elements that build new buffers from several inputs
 * (mixers, aggregators, some decoders) drop it, and the sticky
 * session-context event answers there instead (see
 * gst_session_context_get_current()).
 */
typedef struct
{
  GstMeta meta;
  GstSessionContext *context;
} GstSessionMeta;

#define GST_SESSION_META_API_TYPE (gst_session_meta_api_get_type ())
#define GST_SESSION_META_INFO (gst_session_meta_get_info ())

GST_SESSIONCTX_API GType gst_session_meta_api_get_type (void);
GST_SESSIONCTX_API const GstMetaInfo * gst_session_meta_get_info (void);

GST_SESSIONCTX_API
GstSessionMeta * gst_buffer_add_session_meta (GstBuffer * buffer,
    GstSessionContext * context);
GST_SESSIONCTX_API
GstSessionMeta * gst_buffer_get_session_meta (GstBuffer * buffer);

G_END_DECLS
