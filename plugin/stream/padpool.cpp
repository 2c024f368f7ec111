/* The streaming threads that session pads share.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "stream/padpool.h"

#include "stream/outputpad.h"

#include "io/threadpolicy.h"

#include <chrono>

GST_DEBUG_CATEGORY_EXTERN (gst_session_src_debug);
#define GST_CAT_DEFAULT gst_session_src_debug

namespace {

/* How often the watcher looks for blocked threads while any is busy. */
constexpr auto kWatchEvery = std::chrono::milliseconds (2);

}  // namespace

unsigned
PadPool::threads_for (int threads_property)
{
  if (threads_property > 0)
    return (unsigned) threads_property;
  return MAX (1u, g_get_num_processors ());
}

PadPool::PadPool (unsigned threads)
:  threads_ (MAX (1u, threads))
{
}

PadPool::~PadPool ()
{
  std::unique_lock < std::mutex > l (lock_);
  stopping_ = true;
  work_cond_.notify_all ();
  watch_cond_.notify_all ();
  gone_cond_.wait (l,[this] {
        return alive_ == 0;
      });
  queue_.clear ();
}

void
PadPool::spawn_locked ()
{
  /* Called on an I/O thread too: its SCHED_BATCH is not inherited (these
   * are streaming threads, as a pad's task was). */
  sessionctx::NormalPolicy normal;
  auto *w = new Worker;
  w->pool = this;
  workers_.push_back (w);
  alive_++;
  g_thread_unref (g_thread_new ("sessionctx-pad", worker_main, w));
  if (!watcher_) {
    watcher_ = true;
    alive_++;
    g_thread_unref (g_thread_new ("sessionctx-wake", watcher_main, this));
  }
}

void
PadPool::ready (std::shared_ptr<OutputPad> out)
{
  std::lock_guard < std::mutex > l (lock_);
  if (stopping_)
    return;
  queue_.push_back (std::move (out));
  if (idle_ > 0)
    work_cond_.notify_one ();
  else if (workers_.size () - blocked_ < threads_)
    spawn_locked ();
}

unsigned
PadPool::live_threads ()
{
  std::lock_guard < std::mutex > l (lock_);
  return workers_.size ();
}

guint64
PadPool::handoffs ()
{
  std::lock_guard < std::mutex > l (lock_);
  return handoffs_;
}

gpointer
PadPool::worker_main (gpointer data)
{
  auto *w = static_cast<Worker *> (data);
  w->pool->run (*w);
  delete w;
  return nullptr;
}

void
PadPool::run (Worker & w)
{
  std::unique_lock < std::mutex > l (lock_);
  for (;;) {
    while (queue_.empty () && !stopping_) {
      idle_++;
      work_cond_.wait (l);
      idle_--;
    }
    if (stopping_)
      break;
    std::shared_ptr<OutputPad> out = std::move (queue_.front ());
    queue_.pop_front ();
    w.busy_since = g_get_monotonic_time ();
    if (watcher_resting_) {
      watcher_resting_ = false;
      watch_cond_.notify_one ();
    }
    if (!queue_.empty () && idle_ > 0)
      work_cond_.notify_one ();
    l.unlock ();

    output_pad_run (*out);
    out.reset ();

    l.lock ();
    w.busy_since = 0;
    if (w.blocked) {
      w.blocked = false;
      blocked_--;
    }
    /* More free threads than asked for (one was started while this one
     * was blocked): this one ends. */
    if (workers_.size () - blocked_ > threads_)
      break;
  }
  for (auto it = workers_.begin (); it != workers_.end (); ++it) {
    if (*it == &w) {
      workers_.erase (it);
      break;
    }
  }
  alive_--;
  gone_cond_.notify_all ();
}

gpointer
PadPool::watcher_main (gpointer data)
{
  static_cast<PadPool *> (data)->watch ();
  return nullptr;
}

void
PadPool::watch ()
{
  std::unique_lock < std::mutex > l (lock_);
  while (!stopping_) {
    bool busy = false;
    const gint64 now = g_get_monotonic_time ();
    for (Worker *w : workers_) {
      if (w->busy_since == 0)
        continue;
      busy = true;
      if (!w->blocked && now - w->busy_since > kBlockedAfterUs) {
        w->blocked = true;
        blocked_++;
      }
    }
    /* Keep threads_ free for the others while some are blocked, as long
     * as there is something for them to do. */
    while (!queue_.empty () && workers_.size () - blocked_ < threads_
        && blocked_ < kMaxExtraThreads) {
      GST_DEBUG ("%u of %zu pad threads blocked: one more", blocked_,
          workers_.size ());
      handoffs_++;
      spawn_locked ();
    }
    if (busy) {
      watch_cond_.wait_for (l, kWatchEvery);
    } else {
      /* Until a thread starts a batch. */
      watcher_resting_ = true;
      watch_cond_.wait (l);
      watcher_resting_ = false;
    }
  }
  alive_--;
  gone_cond_.notify_all ();
}
