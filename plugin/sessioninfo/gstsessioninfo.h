/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_SESSION_INFO (gst_session_info_get_type ())
G_DECLARE_FINAL_TYPE (GstSessionInfo, gst_session_info, GST, SESSION_INFO,
    GstBaseTransform)

G_END_DECLS
