/* Dropping what a peer's send chain still holds: a session cleared (a
 * reply cut short) must not be heard late.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

/* Drops every buffer pushed into @appsrc (a send chain's input, running)
 * before this call that has not left it yet: a mark (a custom serialized
 * event) is queued behind them, and a probe on its source pad drops
 * buffers until the mark comes out (and the mark). What is already past
 * the appsrc (a frame in the encoder, a packet waiting for its time in
 * webrtcbin) still goes. Thread-safe; the probe is added at the first
 * call. */
void drop_queued_send (GstElement * appsrc);
