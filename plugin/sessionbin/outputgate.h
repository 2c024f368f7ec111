/* Where a session's reply is cut when the caller interrupts it: the entry
 * of the session's audio output (SessionOutput).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <mutex>

namespace sessionbin {

/* It knows whether a reply is playing (the end, in running time, of the
 * last buffer it let through), and between cut () and resume () it drops
 * every buffer at once: what the handler still had queued for the session
 * (in turndetect, a queue, an application's appsrc) drains unpaced and is
 * never sent; session-clear events are dropped too (the session was
 * cleared when the cut began). */
class OutputGate
{
public:
  /* A reply is cut if one is playing at @now (running time: the last
   * buffer let through has not ended, or ended at most kGrace ago): from
   * now on buffers are dropped. True when it cut. */
  bool cut (GstClockTime now);
  /* Buffers pass again. */
  void resume ();
  bool cutting () const;
  /* A buffer ending at @end (running time, NONE when not known) passes
   * (its end noted), or not (dropped). */
  bool admit (GstClockTime end);
  /* A flush: nothing plays any more. */
  void flushed ();

  /* What the client may still be playing of what was sent before. */
  static constexpr GstClockTime kGrace = 200 * GST_MSECOND;

private:
  mutable std::mutex lock_;     /* guards all below; a leaf */
  GstClockTime played_until_ = GST_CLOCK_TIME_NONE;
  bool cutting_ = false;
  guint64 dropped_ = 0;
};

}  // namespace sessionbin
