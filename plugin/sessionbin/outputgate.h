/* The entry of a session's audio output stage (the handler's source pad
 * into audioconvert ! audioresample ! sessionsink): buffers that lost the
 * session's meta get it back, and a reply is cut there when the caller
 * interrupts it.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.h>

#include <memory>
#include <mutex>

namespace sessionbin {

/* A probe on the stage's sink pad. It knows whether a reply is playing
 * (the end, in running time, of the last buffer it let through), and
 * between cut () and resume () it drops every buffer at once: what the
 * handler still had queued for the session (in turndetect, a queue, an
 * application's appsrc) drains unpaced and is never sent; session-clear
 * events are dropped too (the session was cleared when the cut began). */
class OutputGate
{
public:
  explicit OutputGate (GstSessionContext * context);
  ~OutputGate ();
  OutputGate (const OutputGate &) = delete;
  OutputGate & operator= (const OutputGate &) = delete;

  /* Adds @gate's probe to @pad (the probe holds a reference). */
  static void attach (const std::shared_ptr<OutputGate> & gate,
      GstPad * pad);
  /* A reply is cut if one is playing at @now (running time: the last
   * buffer let through has not ended, or ended at most kGrace ago): from
   * now on buffers are dropped. True when it cut. */
  bool cut (GstClockTime now);
  /* Buffers pass again. */
  void resume ();
  bool cutting () const;

  /* What the client may still be playing of what was sent before. */
  static constexpr GstClockTime kGrace = 200 * GST_MSECOND;

private:
  static GstPadProbeReturn probe (GstPad * pad, GstPadProbeInfo * info,
      gpointer data);
  /* A buffer passes (its end noted), or not (dropped). */
  bool admit (GstBuffer * buf);

  GstSessionContext *context_;
  mutable std::mutex lock_;     /* guards all below; a leaf */
  GstSegment segment_;
  GstClockTime played_until_ = GST_CLOCK_TIME_NONE;
  bool cutting_ = false;
  guint64 dropped_ = 0;
};

}  // namespace sessionbin
