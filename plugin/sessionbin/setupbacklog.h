/* Handler setups an I/O thread owes: run between its rounds of media, a
 * slice at a time, so that a burst of new sessions never holds up the
 * live sessions' media on that thread for long.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <functional>

namespace sessionbin {

/* On an I/O thread in a round (ioround.h): queues @job on this thread's
 * backlog, run from a source of its main context at the priority of its
 * media, up to kSliceUs of jobs per main loop iteration (the thread reads
 * what came in between), in the order queued. False anywhere else (a
 * WebRTC streaming thread, an application's thread): run it now. What is
 * still queued when the thread ends is destroyed unrun. */
bool defer_setup (std::function<void ()> job);

/* The most time one iteration spends on setups (one setup that takes
 * longer runs whole). */
constexpr long kSliceUs = 1000;

}  // namespace sessionbin
