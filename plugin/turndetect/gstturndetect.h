/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstTurnDetectMode:
 * @GST_TURN_DETECT_MODE_HOLD: hold each turn and push it whole once the
 *   caller pauses, re-stamped to play from then (FastRTC's ReplyOnPause);
 *   nothing else passes.
 * @GST_TURN_DETECT_MODE_LIVE: pass all audio as it comes, the turns marked
 *   in the stream by turn-start and turn-end events when they are
 *   recognised.
 */
typedef enum
{
  GST_TURN_DETECT_MODE_HOLD = 0,
  GST_TURN_DETECT_MODE_LIVE = 1,
} GstTurnDetectMode;

#define GST_TYPE_TURN_DETECT_MODE (gst_turn_detect_mode_get_type ())
GType gst_turn_detect_mode_get_type (void);

#define GST_TYPE_TURN_DETECT (gst_turn_detect_get_type ())
G_DECLARE_FINAL_TYPE (GstTurnDetect, gst_turn_detect, GST, TURN_DETECT,
    GstElement)

G_END_DECLS
