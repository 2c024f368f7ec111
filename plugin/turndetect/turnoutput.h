/* What turndetect sends downstream, in order (buffers and serialized
 * events), pushed by the source pad's own task: a whole turn is handed
 * over at once and played at the pace of the sink (sessionsink syncs
 * each buffer to its time) without holding up the input, which keeps
 * listening to the caller meanwhile.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <condition_variable>
#include <deque>
#include <mutex>

namespace turndetect {

class TurnOutput
{
public:
  /* @element: for errors; @srcpad: the pad whose task pushes. */
  TurnOutput (GstElement * element, GstPad * srcpad);
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

  /* The source pad goes active (task started) or not (task stopped,
   * queue dropped). */
  bool activate (bool active);
  /* FLUSH_START: drop what is queued, stop the task. FLUSH_STOP: start
   * again. */
  void flush_start ();
  void flush_stop ();

  /* A reply cut: drops every buffer queued, and the turn-start and
   * turn-end events of each turn none of whose buffers went out yet (the
   * turn-end of the one playing stays); other events stay, in order.
   * Returns the buffers dropped. */
  size_t drop_turns ();

  /* Items and audio queued now. */
  size_t queued () const;
  GstClockTime queued_time () const;

private:
  static void loop (gpointer data);
  void run_once ();
  void drop_queued_locked ();

  GstElement *element_;
  GstPad *srcpad_;
  mutable std::mutex lock_;
  std::condition_variable cond_;
  std::deque<GstMiniObject *> items_;
  GstClockTime queued_time_ = 0;
  bool flushing_ = true;
  bool pushing_ = false;
  GstFlowReturn result_ = GST_FLOW_FLUSHING;
};

}  // namespace turndetect
