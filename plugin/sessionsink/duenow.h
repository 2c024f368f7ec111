/* Whether a buffer reaching a GstBaseSink may be rendered at once, without
 * basesink's per-buffer work (clipping, clock wait, QoS, last sample): the
 * sink is PLAYING with nothing pending and nothing to preroll, and the
 * buffer is due on the clock (or the sink does not sync).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/base/gstbasesink.h>

namespace sessionsink {

/* The running time up to which buffers are due now (basesink's
 * adjust_time the other way round: latency, ts-offset, render-delay);
 * NONE when @sink has no clock. */
GstClockTime due_running_time (GstBaseSink * sink);

/* With @sink's preroll lock held: true when @buffer may be rendered now,
 * as basesink would render it without waiting. False whenever basesink
 * would do anything else with it (wait for its time, drop it outside the
 * segment, preroll, report QoS, keep it as the last sample) or the sink is
 * changing state, flushing or at EOS: basesink's chain takes it then. */
bool due_now_locked (GstBaseSink * sink, GstBuffer * buffer);

}  // namespace sessionsink
