/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_SESSION_BIN (gst_session_bin_get_type ())
G_DECLARE_FINAL_TYPE (GstSessionBin, gst_session_bin, GST, SESSION_BIN,
    GstBin)

G_END_DECLS
