/* What a bin holding per-session children (sessionsrc's WebRTC peers,
 * sessionbin's handlers and output stages) keeps from its parent's bus.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

namespace sessionctx {

/* Whether a child's @message stays inside the bin: its state changes. A
 * session's elements change state three times each as the session starts
 * and three times as it ends (a WebRTC peer's ~130 messages, a handler's
 * six per element); passed up, each was a message on the application's
 * bus, a write waking its thread in the middle of a burst of connects.
 * The bin's own state changes are posted on its parent's bus and stay. */
inline bool
stays_inside (GstMessage * message)
{
  return GST_MESSAGE_TYPE (message) == GST_MESSAGE_STATE_CHANGED;
}

}  // namespace sessionctx
