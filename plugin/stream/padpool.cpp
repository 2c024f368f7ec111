/* The streaming threads that session pads share.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "stream/padpool.h"

#include "io/ioround.h"
#include "io/threadpolicy.h"

#include <gst/gst.h>

#include <algorithm>
#include <chrono>

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Its own category: the pool serves sessionsrc's pads and turndetect. */
GST_DEBUG_CATEGORY_STATIC (padpool_debug);
#define GST_CAT_DEFAULT padpool_debug

namespace {

/* How often the watcher looks for blocked threads, and after how many
 * looks with no thread busy it rests until one is. */
constexpr auto kWatchEvery = std::chrono::milliseconds (20);
constexpr unsigned kRestAfterTicks = 50;
/* How soon the watcher looks again at a batch it probed. */
constexpr auto kProbeEvery = std::chrono::milliseconds (2);

/* The text of the /proc file @fd, from its start, NUL-terminated in
 * @text; false when there is none. */
bool
read_proc (int fd, char *text, size_t size)
{
  ssize_t n = pread (fd, text, size - 1, 0);
  if (n <= 0)
    return false;
  text[n] = '\0';
  return true;
}

/* The CPU time the thread of @fd (its /proc schedstat: "ran waited
 * slices", in ns) has had so far. */
bool
read_cpu_time (int fd, guint64 & ns)
{
  char text[96];
  if (!read_proc (fd, text, sizeof (text)))
    return false;
  char *end;
  ns = strtoull (text, &end, 10);
  return end != text;
}

/* Whether the thread of @fd (its /proc stat: "tid (name) state ...") is
 * asleep: waiting for something, not for a core. */
bool
read_asleep (int fd, bool &asleep)
{
  char text[256];
  if (!read_proc (fd, text, sizeof (text)))
    return false;
  const char *name_end = strrchr (text, ')');
  if (!name_end || name_end[1] != ' ' || !name_end[2])
    return false;
  asleep = name_end[2] == 'S' || name_end[2] == 'D';
  return true;
}

}  // namespace

unsigned
PadPool::threads_for (int threads_property)
{
  if (threads_property > 0)
    return (unsigned) threads_property;
  /* The cores this process may run on (taskset, a cgroup's cpuset): more
   * threads than those would only take turns on them. GLib 2.74's
   * g_get_num_processors () counts every online core. */
  cpu_set_t set;
  CPU_ZERO (&set);
  if (sched_getaffinity (0, sizeof (set), &set) == 0 && CPU_COUNT (&set) > 0)
    return (unsigned) CPU_COUNT (&set);
  return MAX (1u, g_get_num_processors ());
}

PadPool &
PadPool::shared ()
{
  /* Never destroyed: its threads may still be waiting at exit. */
  static PadPool *pool = new PadPool (threads_for (0));
  return *pool;
}

PadPool::PadPool (unsigned threads)
:  threads_ (MAX (1u, threads))
{
  static gsize debug_once = 0;
  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (padpool_debug, "sessionctx-pool", 0,
        "Streaming threads shared by session pads and turndetect outputs");
    g_once_init_leave (&debug_once, 1);
  }
  /* Started here, on the thread that starts the element: threads inherit
   * the scheduling of the thread that creates them, and the ones that
   * make pads ready run at SCHED_BATCH (I/O threads) or nice 10
   * (sessionbin's setup thread). Later ones are started by the watcher,
   * started here too. */
  std::lock_guard < std::mutex > l (lock_);
  while (workers_.size () < threads_)
    spawn_locked ();
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
  /* In case this thread runs at SCHED_BATCH: not inherited (these are
   * streaming threads, as a pad's task was). */
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

/* The pads one I/O thread made ready during its current round, for one
 * pool: handed over at the round's end. */
class PadPool::RoundBatch : public sessionctx::RoundEnd
{
public:
  explicit RoundBatch (PadPool * pool) : pool_ (pool) {}
  PadPool *pool () const { return pool_; }
  void add (std::shared_ptr<PoolJob> out) { pads_.push_back (std::move (out)); }
  void on_round_end () override;

private:
  PadPool *pool_;
  std::vector<std::shared_ptr<PoolJob>> pads_;
};

namespace {

/* This thread's open batches (one per pool that got a pad this round).
 * The I/O threads stop before a pool goes (the element stops its server
 * first), so a batch never outlives its pool. */
thread_local std::vector<std::shared_ptr<PadPool::RoundBatch>> t_batches;

}  // namespace

void
PadPool::RoundBatch::on_round_end ()
{
  auto self = std::find_if (t_batches.begin (), t_batches.end (),
      [this] (const std::shared_ptr<RoundBatch> & b) {
        return b.get () == this;
      });
  std::shared_ptr<RoundBatch> keep;
  if (self != t_batches.end ()) {
    keep = *self;
    t_batches.erase (self);
  }
  pool_->ready_all (pads_);
}

void
PadPool::ready (std::shared_ptr<PoolJob> out)
{
  if (sessionctx::io_round_open ()) {
    for (auto & b : t_batches) {
      if (b->pool () == this) {
        b->add (std::move (out));
        return;
      }
    }
    auto batch = std::make_shared<RoundBatch> (this);
    if (sessionctx::defer_to_round_end (batch)) {
      batch->add (std::move (out));
      t_batches.push_back (std::move (batch));
      return;
    }
  }
  std::vector<std::shared_ptr<PoolJob>> one;
  one.push_back (std::move (out));
  ready_all (one);
}
void
PadPool::ready_all (std::vector<std::shared_ptr<PoolJob>> & pads)
{
  unsigned wake;
  bool more;
  {
    std::lock_guard < std::mutex > l (lock_);
    if (stopping_)
      return;
    for (auto & out : pads)
      queue_.push_back (std::move (out));
    wake = claim_wakeups_locked ();
    more = hand_off_locked ();
  }
  pads.clear ();
  /* Signalled after the lock is let go: a thread woken while it is held
   * would wake only to wait for it (on one core, at once). */
  while (wake-- > 0)
    work_cond_.notify_one ();
  if (more)
    watch_cond_.notify_one ();
}
unsigned
PadPool::claim_wakeups_locked ()
{
  /* A signal per thread needed, none for a thread already signalled (a
   * condition variable signal is a system call when someone waits). */
  unsigned wake = 0;
  while (idle_ > waking_ && queue_.size () > waking_) {
    waking_++;
    wake++;
  }
  return wake;
}

bool
PadPool::hand_off_locked ()
{
  const gint64 now = g_get_monotonic_time ();
  for (Worker *w : workers_) {
    if (w->busy_since != 0 && !w->blocked
        && now - w->busy_since > kProbeAfterUs && blocked_locked (*w, now)) {
      w->blocked = true;
      blocked_++;
      GST_DEBUG ("a pad thread is blocked (%u of %zu)", blocked_,
          workers_.size ());
    }
  }
  /* threads_ free ones while there is something for them to do. */
  return queue_.size () > waking_ && workers_.size () - blocked_ < threads_
      && blocked_ < kMaxExtraThreads;
}

bool
PadPool::blocked_locked (Worker & w, gint64 now)
{
  const gint64 wall = now - w.busy_since;
  guint64 cpu_ns;
  bool asleep;
  if (w.schedstat_fd < 0 || w.stat_fd < 0
      || !read_cpu_time (w.schedstat_fd, cpu_ns)
      || !read_asleep (w.stat_fd, asleep))
    return wall > kBlockedAfterUs;
  /* Asleep on a batch this long: waiting in a handler. */
  if (asleep && wall > kBlockedAfterUs)
    return true;
  /* Running or waiting for a core: what counts is the CPU time it had.
   * Before the probe that is not known: the batch's time up to it counts
   * as kProbeAfterUs at most. */
  if (w.probed_since != w.busy_since) {
    w.probed_since = w.busy_since;
    w.probed_at = now;
    w.probed_cpu_ns = cpu_ns;
    return false;
  }
  gint64 ran_us = (gint64) ((cpu_ns - w.probed_cpu_ns) / 1000);
  return MIN (w.probed_at - w.busy_since, kProbeAfterUs) + ran_us >
      kBlockedAfterUs;
}

bool
PadPool::probing_locked () const
{
  for (const Worker *w : workers_) {
    if (w->busy_since != 0 && !w->blocked && w->probed_since == w->busy_since)
      return true;
  }
  return false;
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
  /* Read by the threads that judge whether this one is blocked (under the
   * pool's lock). */
  int schedstat = open ("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  int stat = open ("/proc/thread-self/stat", O_RDONLY | O_CLOEXEC);
  {
    std::lock_guard < std::mutex > l (w->pool->lock_);
    w->schedstat_fd = schedstat;
    w->stat_fd = stat;
  }
  w->pool->run (*w);
  if (schedstat >= 0)
    close (schedstat);
  if (stat >= 0)
    close (stat);
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
      if (waking_ > 0)
        waking_--;
    }
    if (stopping_)
      break;
    std::shared_ptr<PoolJob> out = std::move (queue_.front ());
    queue_.pop_front ();
    w.busy_since = g_get_monotonic_time ();
    if (watcher_resting_) {
      /* After a second with nothing to do. */
      watcher_resting_ = false;
      watch_cond_.notify_one ();
    }
    l.unlock ();

    out->run_in_pool ();
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
  /* What comes in is queued with a look at the threads
   * (hand_off_locked): this is for a blocked thread while nothing comes,
   * so that what is already queued gets a thread too. */
  std::unique_lock < std::mutex > l (lock_);
  unsigned idle_ticks = 0;
  while (!stopping_) {
    bool busy = false;
    for (Worker *w : workers_)
      busy = busy || w->busy_since != 0;
    while (hand_off_locked ()) {
      handoffs_++;
      spawn_locked ();
    }
    if (busy || ++idle_ticks < kRestAfterTicks) {
      if (busy)
        idle_ticks = 0;
      if (probing_locked ())
        watch_cond_.wait_for (l, kProbeEvery);
      else
        watch_cond_.wait_for (l, kWatchEvery);
    } else {
      watcher_resting_ = true;
      watch_cond_.wait (l);
      watcher_resting_ = false;
      idle_ticks = 0;
    }
  }
  alive_--;
  gone_cond_.notify_all ();
}