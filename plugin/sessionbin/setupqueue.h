/* sessionbin's setup thread: session work that must not run on the
 * thread that asks for it (each session's sink latency).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace sessionbin {

/* One thread running jobs in the order they were posted, while the thread
 * that posted them (a streaming thread posting a message, the I/O thread)
 * goes on at once. */
class SetupQueue
{
public:
  SetupQueue () = default;
  /* Runs what is queued, then joins the thread. */
  ~SetupQueue ();
  SetupQueue (const SetupQueue &) = delete;
  SetupQueue & operator= (const SetupQueue &) = delete;

  /* Whether the thread runs in the background (nice 10, SCHED_BATCH: the
   * server's thread-policy=batch, the default): when the core is busy,
   * live sessions' media (nice 0) gets ~10 times its share, so a burst of
   * new sessions waits for its handlers and the live ones do not. Before
   * the first post (), or applied to the thread at its next job. */
  void set_background (bool background);
  /* Any thread: @job runs on the setup thread after what was posted
   * before it. */
  void post (std::function<void ()> job);
  /* Any thread but the setup thread: waits until every job posted before
   * the call has run. */
  void flush ();

private:
  void run ();

  std::mutex lock_;
  std::condition_variable cond_;
  std::condition_variable done_cond_;
  std::deque<std::function<void ()>> jobs_;
  unsigned long long posted_ = 0;
  unsigned long long done_ = 0;
  bool stopping_ = false;
  bool background_ = true;
  bool applied_ = false;        /* setup thread only: background_ as set */
  std::thread thread_;
};

}  // namespace sessionbin
