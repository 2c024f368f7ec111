/* The streaming threads that session pads share: a handler per session
 * without a thread per session.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

/* Something a pool's thread runs: a session pad's batch (OutputPad), a
 * turndetect's output (TurnOutput). A job is on the run queue at most
 * once (its owner keeps track) and runs on one thread at a time. */
class PoolJob
{
public:
  virtual ~PoolJob () = default;
  /* One turn: a batch of what waits, as short as a pad task's loop. */
  virtual void run_in_pool () = 0;
};

/* A bounded set of threads that push the session pads' queued buffers
 * downstream, one pad at a time per thread and each pad on one thread at a
 * time (its buffers and events stay in order). A pad with something queued
 * is put on the run queue once (OutputPad::schedule_locked); a thread
 * takes it, pushes one batch (as a pad's own task would: up to its batch
 * limit), and puts it back at the end of the queue if more came meanwhile,
 * so every ready session gets its turn.
 *
 * A handler that blocks or is slow (an appsink callback sleeping, a
 * recognizer taking 200 ms on a buffer, a sink waiting on the clock for a
 * reply ahead of time) holds only the thread that pushes into it: once a
 * thread has been asleep on one batch or has run on it (its CPU time) for
 * longer than kBlockedAfterUs, it counts as blocked and another is
 * started, so that #threads are always free for everybody else (up to
 * kMaxExtraThreads blocked at once). Time spent waiting for a core does
 * not count: preempted by the I/O thread on a busy machine, a batch takes
 * longer than that, and a thread more would only take turns on the same
 * cores (measured at 1000 sessions on one core: 59 threads started and
 * ended in one 10 s run when wall time counted). That look is taken
 * whenever pads are queued (every I/O round with media), and by a watcher
 * thread every 20 ms for what is already queued (2 ms while a running
 * batch is being judged). When the blocked push returns, a thread beyond
 * #threads ends. So threads are bounded by configuration, not by the
 * number of sessions, and a slow session delays only itself. */
class PadPool
{
public:
  /* How long one batch may take before its thread counts as blocked:
   * asleep on it that long, or running on it that long (its CPU time),
   * not waiting for a core (Worker). */
  static constexpr gint64 kBlockedAfterUs = 4000;
  /* When a batch's wall time first passes this, the thread's CPU time is
   * noted; from then on only what it runs counts. */
  static constexpr gint64 kProbeAfterUs = 2000;
  /* How many threads may be started for blocked ones at once. */
  static constexpr unsigned kMaxExtraThreads = 64;

  /* @threads (at least 1) free to push, started now with the watcher. */
  explicit PadPool (unsigned threads);
  /* Stops and waits for every thread; the pads must be inactive (what is
   * still on the run queue is let go). */
  ~PadPool ();
  PadPool (const PadPool &) = delete;
  PadPool & operator= (const PadPool &) = delete;

  /* Puts @out (something queued, not on the queue yet) on the run queue.
   * Called with @out's lock held; never takes a pad's lock itself. On an
   * I/O thread in an open round (ioround.h) the pads made ready during the
   * round go on the run queue together when it ends: one lock and one
   * wakeup per round, not per pad. */
  void ready (std::shared_ptr<PoolJob> out);

  /* The pool of the elements that have none of their own (turndetect's
   * output): one per process, one thread per core the process may run on,
   * started on first use and kept until the process ends. */
  static PadPool & shared ();

  unsigned threads () const { return threads_; }
  /* Threads running now (free and blocked), for tests and stats. */
  unsigned live_threads ();
  /* Threads started for blocked ones since the pool began. */
  guint64 handoffs ();

  /* @threads_property: the element's streaming-threads value (0: one per
   * core); how many free threads that is. */
  static unsigned threads_for (int threads_property);

  /* What one I/O round made ready (padpool.cpp). */
  class RoundBatch;

private:
  struct Worker
  {
    PadPool *pool;
    /* When its current batch began (monotonic µs); 0 while idle. */
    gint64 busy_since = 0;
    bool blocked = false;
    /* The thread's /proc schedstat (its CPU time) and stat (whether it is
     * asleep); -1 where there are none: then a batch's wall time counts
     * whole. */
    int schedstat_fd = -1;
    int stat_fd = -1;
    /* The batch last probed (its busy_since: no two batches of a thread
     * begin in the same µs and a probed one lasted 2 ms), when, and the
     * thread's CPU time then (ns). */
    gint64 probed_since = 0;
    gint64 probed_at = 0;
    guint64 probed_cpu_ns = 0;
  };

  /* The pads of one round, under one lock. */
  void ready_all (std::vector<std::shared_ptr<PoolJob>> & pads);
  /* With lock_: how many idle threads to signal (once the lock is let
   * go) for the pads queued and not yet promised a thread. */
  unsigned claim_wakeups_locked ();
  /* With lock_: whether @w, busy on a batch since longer than
   * kProbeAfterUs at @now, is asleep on it past kBlockedAfterUs or has
   * run on it that long (the first look at a running batch is a probe:
   * false). */
  static bool blocked_locked (Worker & w, gint64 now);
  /* With lock_: a busy thread's batch was probed and not yet judged (the
   * watcher looks again sooner). */
  bool probing_locked () const;
  /* With lock_: counts the threads blocked (blocked_locked) as such;
   * whether one more thread is wanted (something waits and fewer than
   * threads_ are free): the watcher starts it. */
  bool hand_off_locked ();
  static gpointer worker_main (gpointer data);
  static gpointer watcher_main (gpointer data);
  void run (Worker & w);
  void watch ();
  /* With lock_: starts a worker (and the watcher, the first time); on the
   * constructing thread or the watcher only (what they inherit). */
  void spawn_locked ();

  const unsigned threads_;
  std::mutex lock_;
  std::condition_variable work_cond_;
  std::condition_variable watch_cond_;
  std::condition_variable gone_cond_;
  std::deque<std::shared_ptr<PoolJob>> queue_;
  std::vector<Worker *> workers_;
  unsigned idle_ = 0;
  unsigned waking_ = 0;         /* idle threads signalled, not yet awake */
  unsigned blocked_ = 0;
  unsigned alive_ = 0;          /* threads not yet returned (watcher too) */
  bool watcher_ = false;
  bool watcher_resting_ = false;  /* no thread busy: waits to be woken */
  bool stopping_ = false;
  guint64 handoffs_ = 0;
};
