/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/rtp/gstrtphdrext.h>

G_BEGIN_DECLS

#define GST_TYPE_RTP_HDR_EXT_SESSION_CTX (gst_rtp_hdr_ext_session_ctx_get_type ())
G_DECLARE_FINAL_TYPE (GstRtpHdrExtSessionCtx, gst_rtp_hdr_ext_session_ctx,
    GST, RTP_HDR_EXT_SESSION_CTX, GstRTPHeaderExtension)

G_END_DECLS
