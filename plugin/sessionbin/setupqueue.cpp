/* sessionbin's setup thread.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sessionbin/setupqueue.h"

#include "io/threadpolicy.h"

#include <pthread.h>

namespace sessionbin {

SetupQueue::~SetupQueue ()
{
  {
    std::lock_guard < std::mutex > l (lock_);
    stopping_ = true;
  }
  cond_.notify_all ();
  if (thread_.joinable ())
    thread_.join ();
}

void
SetupQueue::post (std::function<void ()> job)
{
  {
    std::lock_guard < std::mutex > l (lock_);
    jobs_.push_back (std::move (job));
    posted_++;
    if (!thread_.joinable ())
      thread_ = std::thread ([this] {
            run ();
          });
  }
  cond_.notify_one ();
}

void
SetupQueue::set_background (bool background)
{
  std::lock_guard < std::mutex > l (lock_);
  if (background_ != background) {
    background_ = background;
    applied_ = false;
  }
}

void
SetupQueue::flush ()
{
  std::unique_lock < std::mutex > l (lock_);
  const unsigned long long until = posted_;
  done_cond_.wait (l,[this, until] {
        return done_ >= until;
      });
}

void
SetupQueue::run ()
{
  pthread_setname_np (pthread_self (), "handler-setup");
  std::unique_lock < std::mutex > l (lock_);
  for (;;) {
    cond_.wait (l,[this] {
          return stopping_ || !jobs_.empty ();
        });
    if (jobs_.empty ())
      break;                    /* stopping, nothing left */
    std::function<void ()> job = std::move (jobs_.front ());
    jobs_.pop_front ();
    bool apply = !applied_;
    bool background = background_;
    applied_ = true;
    l.unlock ();
    if (apply) {
      /* Nice 10 and SCHED_BATCH, or nice 0 and SCHED_OTHER. */
      sessionctx::set_background (background);
      sessionctx::set_batch_policy (background);
    }
    job ();
    job = nullptr;
    /* A burst of new sessions is a run of jobs: media waiting for the
     * core goes between two (a waking SCHED_BATCH I/O thread would not
     * preempt this one). */
    sessionctx::yield_to_waiting ();
    l.lock ();
    done_++;
    done_cond_.notify_all ();
  }
}

}  // namespace sessionbin
