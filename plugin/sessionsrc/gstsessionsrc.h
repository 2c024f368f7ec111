/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_SESSION_SRC (gst_session_src_get_type ())
G_DECLARE_FINAL_TYPE (GstSessionSrc, gst_session_src, GST, SESSION_SRC,
    GstBin)

G_END_DECLS

/* The authorize signals' accumulator (sessionsrc's, and sessionbin's
 * that mirrors it): every handler must return TRUE; the first FALSE wins
 * and stops the emission. */
gboolean gst_session_authorize_accumulator (GSignalInvocationHint * hint,
    GValue * return_accu, const GValue * handler_return, gpointer data);
