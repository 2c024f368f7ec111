/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turndetect/turnoutput.h"

#include "stream/padpool.h"
#include "stream/syncingsink.h"

#include <gst/base/gstbasesink.h>
#include <gst/sessionctx/turn.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace turndetect {

namespace {

GstClockTime
duration_of (GstMiniObject * item)
{
  if (!GST_IS_BUFFER (item))
    return 0;
  GstClockTime d = GST_BUFFER_DURATION (GST_BUFFER (item));
  return GST_CLOCK_TIME_IS_VALID (d) ? d : 0;
}

/* Whether a sink that syncs to the clock (basesink's sync) is downstream
 * of @srcpad, through any element's internal links and ghost pads: only
 * then is a buffer ahead of its time held back here. Without one (a
 * recognizer's appsink sync=false) a turn goes out at once, as it always
 * did. */
bool
sink_syncs_downstream (GstPad * srcpad, int depth = 0)
{
  GstPad *peer = gst_pad_get_peer (srcpad);
  if (!peer)
    return false;
  bool syncs = false;
  GstObject *parent = gst_pad_get_parent (peer);
  if (sessionctx::is_syncing_sink (peer)) {
    syncs = true;
  } else if (parent && GST_IS_BASE_SINK (parent)) {
    syncs = gst_base_sink_get_sync (GST_BASE_SINK (parent));
  } else if (depth < 16) {
    /* Any of the pads it leads to (gst_iterator_find_custom: 0 = found). */
    GstIterator *it = gst_pad_iterate_internal_links (peer);
    GValue found = G_VALUE_INIT;
    if (it) {
      syncs = gst_iterator_find_custom (it, [](gconstpointer item,
              gconstpointer next_depth) {
            auto *pad = GST_PAD (g_value_get_object (static_cast<const GValue *>
                    (item)));
            return sink_syncs_downstream (pad, GPOINTER_TO_INT (next_depth)) ?
                0 : 1;
          }, &found, const_cast<gpointer> (GINT_TO_POINTER (depth + 1)));
      if (G_IS_VALUE (&found))
        g_value_unset (&found);
      gst_iterator_free (it);
    }
  }
  if (parent)
    gst_object_unref (parent);
  gst_object_unref (peer);
  return syncs;
}

/* How much one turn on a pool thread pushes at most before it lets the
 * next job go first (a turn's audio that is all due at once, e.g. after
 * a pause). */
constexpr int kItemsPerTurn = 32;

}  // namespace

/* The queue and its pushing, shared with the pool (which holds it while
 * queued or running) and the clock (while a buffer waits for its time). */
class TurnOutput::Pusher : public PoolJob,
    public std::enable_shared_from_this<Pusher>
{
public:
  Pusher (GstElement * element, GstPad * srcpad)
  :  element_ (element), srcpad_ (srcpad)
  {
    gst_segment_init (&segment_, GST_FORMAT_TIME);
  }
  ~Pusher () override
  {
    drop_queued_locked ();
  }

  void run_in_pool () override;
  GstPad *srcpad () const { return srcpad_; }

  /* With lock_: onto the pool's run queue, if something can be pushed
   * and it is not there (nor running, nor waiting on the clock). */
  void schedule_locked ()
  {
    if (scheduled_ || flushing_ || result_ != GST_FLOW_OK || items_.empty ())
      return;
    scheduled_ = true;
    PadPool::shared ().ready (shared_from_this ());
  }
  /* With lock_: a wait on the clock is called off (its callback, if it
   * runs anyway, finds another clock entry, or none). */
  void cancel_wait_locked ()
  {
    if (!clock_id_)
      return;
    gst_clock_id_unschedule (clock_id_);
    gst_clock_id_unref (clock_id_);
    clock_id_ = nullptr;
    scheduled_ = false;
  }
  void drop_queued_locked ()
  {
    for (GstMiniObject *item : items_)
      gst_mini_object_unref (item);
    items_.clear ();
    queued_time_ = 0;
  }
  /* With lock_: pushing starts (again) with what is queued. */
  void start_locked ()
  {
    flushing_ = false;
    result_ = GST_FLOW_OK;
    schedule_locked ();
  }
  /* With lock_: stops pushing (flushing); what is queued is dropped. */
  void stop_locked ()
  {
    flushing_ = true;
    result_ = GST_FLOW_FLUSHING;
    drop_queued_locked ();
    cancel_wait_locked ();
    cond_.notify_all ();
  }
  /* Waits (lock_ held by @l) for a push under way to return. */
  void wait_idle (std::unique_lock<std::mutex> & l)
  {
    cond_.wait (l, [this] {
          return running_ == 0;
        });
  }

  mutable std::mutex lock_;
  std::condition_variable cond_;
  std::deque<GstMiniObject *> items_;
  GstClockTime queued_time_ = 0;
  bool flushing_ = true;
  /* Turns on pool threads now (one but for an instant: a turn that
   * finishes while the next, scheduled meanwhile, begins). */
  int running_ = 0;
  GstFlowReturn result_ = GST_FLOW_FLUSHING;
  GstClockTime latency_ = 0;

private:
  /* With lock_: the clock time at which @buf is due (running time plus
   * the latency downstream adds), with the clock to wait on (@clock, a
   * ref); NONE when it is due now or there is nothing to wait on (not
   * PLAYING: the sink waits or prerolls, as it would for a task). */
  GstClockTime due_at_locked (GstBuffer * buf, GstClock ** clock);
  /* With lock_: waits for @at on @clock asynchronously; the pool runs
   * this again then. False when the clock would not wait (push now). */
  bool wait_for_locked (GstClock * clock, GstClockTime at);
  static gboolean on_due (GstClock *, GstClockTime, GstClockID id,
      gpointer data);
  /* Pushes @item (taken) without lock_; false when pushing stops. */
  bool push_one (GstMiniObject * item);

  GstElement *element_;
  GstPad *srcpad_;
  GstSegment segment_;          /* the last one pushed; pushing thread */
  /* Whether a sink downstream syncs (sink_syncs_downstream ()), found
   * once after each event pushed (a turn's start, caps, a segment); -1:
   * not known. Pushing thread. */
  int downstream_syncs_ = -1;
  bool scheduled_ = false;      /* queued, running or waiting on the clock */
  GstClockID clock_id_ = nullptr;
};

GstClockTime
TurnOutput::Pusher::due_at_locked (GstBuffer * buf, GstClock ** clock)
{
  *clock = nullptr;
  if (!GST_BUFFER_PTS_IS_VALID (buf))
    return GST_CLOCK_TIME_NONE;
  GstClockTime rt = gst_segment_to_running_time (&segment_, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buf));
  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return GST_CLOCK_TIME_NONE;
  GstClockTime base;
  GST_OBJECT_LOCK (element_);
  if (GST_STATE (element_) == GST_STATE_PLAYING
      && GST_STATE_PENDING (element_) == GST_STATE_VOID_PENDING
      && GST_ELEMENT_CLOCK (element_))
    *clock = GST_CLOCK (gst_object_ref (GST_ELEMENT_CLOCK (element_)));
  base = GST_ELEMENT_CAST (element_)->base_time;
  GST_OBJECT_UNLOCK (element_);
  if (!*clock)
    return GST_CLOCK_TIME_NONE;
  GstClockTime at = base + rt + latency_;
  bool ahead = at > gst_clock_get_time (*clock);
  if (ahead && downstream_syncs_ < 0)
    downstream_syncs_ = sink_syncs_downstream (srcpad_);
  if (!ahead || !downstream_syncs_) {
    gst_object_unref (*clock);
    *clock = nullptr;
    return GST_CLOCK_TIME_NONE;
  }
  return at;
}

bool
TurnOutput::Pusher::wait_for_locked (GstClock * clock, GstClockTime at)
{
  clock_id_ = gst_clock_new_single_shot_id (clock, at);
  auto *self = new std::weak_ptr<Pusher> (shared_from_this ());
  if (gst_clock_id_wait_async (clock_id_, on_due, self, [](gpointer data) {
            delete static_cast<std::weak_ptr<Pusher> *> (data);
          }) == GST_CLOCK_OK)
    return true;
  gst_clock_id_unref (clock_id_);
  clock_id_ = nullptr;
  return false;
}

gboolean
TurnOutput::Pusher::on_due (GstClock *, GstClockTime, GstClockID id,
    gpointer data)
{
  std::shared_ptr<Pusher> self =
      static_cast<std::weak_ptr<Pusher> *> (data)->lock ();
  if (!self)
    return TRUE;
  std::lock_guard < std::mutex > l (self->lock_);
  /* Called off (@id is alive while this runs: no later entry has its
   * address). */
  if (self->clock_id_ != id)
    return TRUE;
  gst_clock_id_unref (self->clock_id_);
  self->clock_id_ = nullptr;
  /* Still scheduled (stopping calls the wait off, so not flushing):
   * straight onto the run queue. */
  PadPool::shared ().ready (self);
  return TRUE;
}

bool
TurnOutput::Pusher::push_one (GstMiniObject * item)
{
  GstFlowReturn ret = GST_FLOW_OK;
  bool eos = false;
  if (GST_IS_BUFFER (item)) {
    ret = gst_pad_push (srcpad_, GST_BUFFER_CAST (item));
  } else {
    auto *event = GST_EVENT_CAST (item);
    eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;
    if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
      gst_event_copy_segment (event, &segment_);
    downstream_syncs_ = -1;
    gst_pad_push_event (srcpad_, event);
    if (eos)
      ret = GST_FLOW_EOS;
  }
  {
    std::lock_guard < std::mutex > l (lock_);
    if (ret != GST_FLOW_OK && !flushing_)
      result_ = ret;
    cond_.notify_all ();
  }
  if (ret == GST_FLOW_OK)
    return true;
  /* As queue does: a fatal flow return is an error, and downstream gets
   * EOS; EOS and flushing just stop pushing. */
  if (!eos && (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS)) {
    GST_ELEMENT_FLOW_ERROR (element_, ret);
    gst_pad_push_event (srcpad_, gst_event_new_eos ());
  }
  return false;
}

void
TurnOutput::Pusher::run_in_pool ()
{
  std::unique_lock < std::mutex > l (lock_);
  if (flushing_ || clock_id_) {
    if (!clock_id_)
      scheduled_ = false;
    cond_.notify_all ();
    return;
  }
  running_++;
  l.unlock ();
  /* As a pad's task holds it: deactivating the pad waits for this. */
  GST_PAD_STREAM_LOCK (srcpad_);
  l.lock ();
  bool waiting = false;
  for (int n = 0; n < kItemsPerTurn; n++) {
    if (flushing_ || result_ != GST_FLOW_OK || items_.empty ())
      break;
    GstMiniObject *item = items_.front ();
    if (GST_IS_BUFFER (item)) {
      GstClock *clock;
      GstClockTime at = due_at_locked (GST_BUFFER_CAST (item), &clock);
      if (clock) {
        waiting = wait_for_locked (clock, at);
        gst_object_unref (clock);
        if (waiting)
          break;
      }
    }
    items_.pop_front ();
    queued_time_ -= std::min (queued_time_, duration_of (item));
    l.unlock ();
    bool more = push_one (item);
    l.lock ();
    if (!more)
      break;
  }
  l.unlock ();
  GST_PAD_STREAM_UNLOCK (srcpad_);
  l.lock ();
  running_--;
  if (!waiting) {
    scheduled_ = false;
    schedule_locked ();
  }
  cond_.notify_all ();
}

TurnOutput::TurnOutput (GstElement * element, GstPad * srcpad)
:  pusher_ (std::make_shared<Pusher> (element, srcpad))
{
}

TurnOutput::~TurnOutput ()
{
  std::unique_lock < std::mutex > l (pusher_->lock_);
  pusher_->stop_locked ();
  pusher_->wait_idle (l);
}

GstFlowReturn
TurnOutput::push (GstBuffer * buffer)
{
  Pusher & p = *pusher_;
  std::lock_guard < std::mutex > l (p.lock_);
  if (p.flushing_ || p.result_ != GST_FLOW_OK) {
    gst_buffer_unref (buffer);
    return p.flushing_ ? GST_FLOW_FLUSHING : p.result_;
  }
  p.queued_time_ += duration_of (GST_MINI_OBJECT_CAST (buffer));
  p.items_.push_back (GST_MINI_OBJECT_CAST (buffer));
  p.schedule_locked ();
  return GST_FLOW_OK;
}

bool
TurnOutput::push_event (GstEvent * event)
{
  Pusher & p = *pusher_;
  std::lock_guard < std::mutex > l (p.lock_);
  if (p.flushing_) {
    gst_event_unref (event);
    return false;
  }
  /* After EOS or an error downstream pushing stopped: sticky events are
   * kept on the pad (as queue does), the rest have no one to reach. */
  if (p.result_ != GST_FLOW_OK) {
    bool kept = GST_EVENT_IS_STICKY (event) &&
        GST_EVENT_TYPE (event) != GST_EVENT_EOS &&
        gst_pad_store_sticky_event (p.srcpad (), event) == GST_FLOW_OK;
    gst_event_unref (event);
    return kept;
  }
  p.items_.push_back (GST_MINI_OBJECT_CAST (event));
  p.schedule_locked ();
  return true;
}

GstFlowReturn
TurnOutput::flow () const
{
  std::lock_guard < std::mutex > l (pusher_->lock_);
  return pusher_->flushing_ ? GST_FLOW_FLUSHING : pusher_->result_;
}

bool
TurnOutput::wait_empty ()
{
  Pusher & p = *pusher_;
  std::unique_lock < std::mutex > l (p.lock_);
  p.cond_.wait (l, [&p] {
        return p.flushing_ || p.result_ != GST_FLOW_OK ||
        (p.items_.empty () && p.running_ == 0);
      });
  return !p.flushing_;
}

size_t
TurnOutput::drop_turns ()
{
  Pusher & p = *pusher_;
  std::lock_guard < std::mutex > l (p.lock_);
  std::deque<GstMiniObject *> kept;
  size_t dropped = 0;
  bool in_unbegun_turn = false;
  for (GstMiniObject *item : p.items_) {
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
  p.items_.swap (kept);
  p.queued_time_ = 0;
  /* The buffer waited for is gone: what stays goes now. */
  p.cancel_wait_locked ();
  p.schedule_locked ();
  p.cond_.notify_all ();
  return dropped;
}

size_t
TurnOutput::queued () const
{
  std::lock_guard < std::mutex > l (pusher_->lock_);
  return pusher_->items_.size ();
}

GstClockTime
TurnOutput::queued_time () const
{
  std::lock_guard < std::mutex > l (pusher_->lock_);
  return pusher_->queued_time_;
}

void
TurnOutput::set_latency (GstClockTime latency)
{
  std::lock_guard < std::mutex > l (pusher_->lock_);
  pusher_->latency_ = GST_CLOCK_TIME_IS_VALID (latency) ? latency : 0;
}

bool
TurnOutput::activate (bool active)
{
  Pusher & p = *pusher_;
  std::unique_lock < std::mutex > l (p.lock_);
  if (active) {
    p.start_locked ();
    return true;
  }
  p.stop_locked ();
  p.wait_idle (l);
  return true;
}

void
TurnOutput::flush_start ()
{
  std::lock_guard < std::mutex > l (pusher_->lock_);
  pusher_->stop_locked ();
}

void
TurnOutput::flush_stop ()
{
  Pusher & p = *pusher_;
  std::lock_guard < std::mutex > l (p.lock_);
  p.drop_queued_locked ();
  p.start_locked ();
}

}  // namespace turndetect
