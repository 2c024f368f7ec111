/* What turndetect sends downstream, in order (buffers and serialized
 * events): a whole turn is handed over at once and played at the pace of
 * the clock without holding up the input, which keeps listening to the
 * caller meanwhile. Pushed by the streaming threads every turndetect of
 * the process shares (PadPool::shared ()), not by a thread of its own: a
 * buffer that is not due yet waits on the clock asynchronously (no thread
 * waits), and is pushed when it is due, so a sink that syncs (sessionsink)
 * takes it at once.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <memory>

namespace turndetect {

class TurnOutput
{
public:
  /* @element: for errors and its clock; @srcpad: the pad pushed. */
  TurnOutput (GstElement * element, GstPad * srcpad);
  /* The pad is inactive by then (activate (false)). */
  ~TurnOutput ();
  TurnOutput (const TurnOutput &) = delete;
  TurnOutput & operator= (const TurnOutput &) = delete;

  /* Queues @buffer (taken); returns what downstream last answered
   * (GST_FLOW_FLUSHING while stopped or flushing). */
  GstFlowReturn push (GstBuffer * buffer);
  /* Queues a serialized @event (taken); FALSE if flushing. */
  bool push_event (GstEvent * event);
  /* What downstream last answered (GST_FLOW_FLUSHING while stopped or
   * flushing). */
  GstFlowReturn flow () const;
  /* Waits until everything queued was pushed; FALSE if flushing. */
  bool wait_empty ();

  /* The source pad goes active (pushing starts) or not (what is queued
   * is dropped; returns once a push under way has returned). */
  bool activate (bool active);
  /* FLUSH_START: drop what is queued, stop pushing. FLUSH_STOP: start
   * again. */
  void flush_start ();
  void flush_stop ();
  /* The latency downstream's sinks add (a LATENCY event on the source
   * pad): a buffer is pushed when its running time plus this is due. */
  void set_latency (GstClockTime latency);

  /* A reply cut: drops every buffer queued, and the turn-start and
   * turn-end events of each turn none of whose buffers went out yet (the
   * turn-end of the one playing stays); other events stay, in order.
   * Returns the buffers dropped. */
  size_t drop_turns ();

  /* Items and audio queued now. */
  size_t queued () const;
  GstClockTime queued_time () const;

  class Pusher;                 /* turnoutput.cpp */

private:
  std::shared_ptr<Pusher> pusher_;
};

}  // namespace turndetect
