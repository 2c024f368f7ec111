/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turndetect/turnoutput.h"

#include <gst/sessionctx/turn.h>

#include <algorithm>

namespace turndetect {

static GstClockTime
duration_of (GstMiniObject * item)
{
  if (!GST_IS_BUFFER (item))
    return 0;
  GstClockTime d = GST_BUFFER_DURATION (GST_BUFFER (item));
  return GST_CLOCK_TIME_IS_VALID (d) ? d : 0;
}

TurnOutput::TurnOutput (GstElement * element, GstPad * srcpad)
:  element_ (element), srcpad_ (srcpad)
{
}

TurnOutput::~TurnOutput ()
{
  std::lock_guard < std::mutex > l (lock_);
  drop_queued_locked ();
}

void
TurnOutput::drop_queued_locked ()
{
  for (GstMiniObject *item : items_)
    gst_mini_object_unref (item);
  items_.clear ();
  queued_time_ = 0;
}

GstFlowReturn
TurnOutput::push (GstBuffer * buffer)
{
  std::lock_guard < std::mutex > l (lock_);
  if (flushing_ || result_ != GST_FLOW_OK) {
    gst_buffer_unref (buffer);
    return flushing_ ? GST_FLOW_FLUSHING : result_;
  }
  queued_time_ += duration_of (GST_MINI_OBJECT_CAST (buffer));
  items_.push_back (GST_MINI_OBJECT_CAST (buffer));
  cond_.notify_all ();
  return GST_FLOW_OK;
}

bool
TurnOutput::push_event (GstEvent * event)
{
  std::lock_guard < std::mutex > l (lock_);
  if (flushing_) {
    gst_event_unref (event);
    return false;
  }
  /* After EOS or an error downstream the task is stopped: sticky events
   * are kept on the pad (as queue does), the rest have no one to reach. */
  if (result_ != GST_FLOW_OK) {
    bool kept = GST_EVENT_IS_STICKY (event) &&
        GST_EVENT_TYPE (event) != GST_EVENT_EOS &&
        gst_pad_store_sticky_event (srcpad_, event) == GST_FLOW_OK;
    gst_event_unref (event);
    return kept;
  }
  items_.push_back (GST_MINI_OBJECT_CAST (event));
  cond_.notify_all ();
  return true;
}

GstFlowReturn
TurnOutput::flow () const
{
  std::lock_guard < std::mutex > l (lock_);
  return flushing_ ? GST_FLOW_FLUSHING : result_;
}

bool
TurnOutput::wait_empty ()
{
  std::unique_lock < std::mutex > l (lock_);
  cond_.wait (l, [this] {
        return flushing_ || result_ != GST_FLOW_OK ||
        (items_.empty () && !pushing_);
      });
  return !flushing_;
}

size_t
TurnOutput::drop_turns ()
{
  std::lock_guard < std::mutex > l (lock_);
  std::deque<GstMiniObject *> kept;
  size_t dropped = 0;
  bool in_unbegun_turn = false;
  for (GstMiniObject *item : items_) {
    bool drop = GST_IS_BUFFER (item);
    if (drop) {
      dropped++;
    } else if (GST_IS_EVENT (item)) {
      GstEvent *event = GST_EVENT_CAST (item);
      if (gst_event_has_name (event, GST_TURN_START_EVENT_NAME)) {
        in_unbegun_turn = drop = true;
      } else if (in_unbegun_turn &&
          gst_event_has_name (event, GST_TURN_END_EVENT_NAME)) {
        in_unbegun_turn = false;
        drop = true;
      }
    }
    if (drop)
      gst_mini_object_unref (item);
    else
      kept.push_back (item);
  }
  items_.swap (kept);
  queued_time_ = 0;
  cond_.notify_all ();
  return dropped;
}

size_t
TurnOutput::queued () const
{
  std::lock_guard < std::mutex > l (lock_);
  return items_.size ();
}

GstClockTime
TurnOutput::queued_time () const
{
  std::lock_guard < std::mutex > l (lock_);
  return queued_time_;
}

bool
TurnOutput::activate (bool active)
{
  if (active) {
    {
      std::lock_guard < std::mutex > l (lock_);
      flushing_ = false;
      result_ = GST_FLOW_OK;
    }
    return gst_pad_start_task (srcpad_, loop, this, nullptr);
  }
  {
    std::lock_guard < std::mutex > l (lock_);
    flushing_ = true;
    result_ = GST_FLOW_FLUSHING;
    drop_queued_locked ();
    cond_.notify_all ();
  }
  return gst_pad_stop_task (srcpad_);
}

void
TurnOutput::flush_start ()
{
  {
    std::lock_guard < std::mutex > l (lock_);
    flushing_ = true;
    result_ = GST_FLOW_FLUSHING;
    drop_queued_locked ();
    cond_.notify_all ();
  }
  gst_pad_pause_task (srcpad_);
}

void
TurnOutput::flush_stop ()
{
  {
    std::lock_guard < std::mutex > l (lock_);
    drop_queued_locked ();
    flushing_ = false;
    result_ = GST_FLOW_OK;
  }
  gst_pad_start_task (srcpad_, loop, this, nullptr);
}

void
TurnOutput::loop (gpointer data)
{
  static_cast<TurnOutput *> (data)->run_once ();
}

void
TurnOutput::run_once ()
{
  GstMiniObject *item;
  {
    std::unique_lock < std::mutex > l (lock_);
    cond_.wait (l, [this] {
          return flushing_ || !items_.empty ();
        });
    if (flushing_) {
      l.unlock ();
      gst_pad_pause_task (srcpad_);
      return;
    }
    item = items_.front ();
    items_.pop_front ();
    queued_time_ -= std::min (queued_time_, duration_of (item));
    pushing_ = true;
  }

  GstFlowReturn ret = GST_FLOW_OK;
  bool eos = false;
  if (GST_IS_BUFFER (item)) {
    ret = gst_pad_push (srcpad_, GST_BUFFER_CAST (item));
  } else {
    auto *event = GST_EVENT_CAST (item);
    eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;
    gst_pad_push_event (srcpad_, event);
    if (eos)
      ret = GST_FLOW_EOS;
  }

  {
    std::lock_guard < std::mutex > l (lock_);
    pushing_ = false;
    if (ret != GST_FLOW_OK && !flushing_)
      result_ = ret;
    cond_.notify_all ();
  }
  if (ret == GST_FLOW_OK)
    return;
  /* As queue does: a fatal flow return is an error, and downstream gets
   * EOS; EOS and flushing just stop the task. */
  if (!eos && (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS)) {
    GST_ELEMENT_FLOW_ERROR (element_, ret);
    gst_pad_push_event (srcpad_, gst_event_new_eos ());
  }
  gst_pad_pause_task (srcpad_);
}

}  // namespace turndetect
