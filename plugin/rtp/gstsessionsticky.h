/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_SESSION_STICKY (gst_session_sticky_get_type ())
G_DECLARE_FINAL_TYPE (GstSessionSticky, gst_session_sticky, GST,
    SESSION_STICKY, GstBaseTransform)

G_END_DECLS
