/* The I/O thread's scheduling policy with ThreadPolicy::batch (sessionsrc's
 * thread-policy, the default; normal leaves the thread as created):
 * SCHED_BATCH, so that waking up for new input never preempts the
 * streaming thread in the middle of what it is pushing (both usually share
 * a core): each runs longer per wakeup and handles more frames per
 * switch. Threads created meanwhile would inherit the policy; where the
 * I/O thread builds what starts media threads of its own (a WebRTC peer's
 * bin), NormalPolicy puts it back for the time.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sessionctx {

/* The calling thread's policy: SCHED_BATCH (@batch) or SCHED_OTHER, nice
 * unchanged. False when the kernel refused. */
inline bool
set_batch_policy (bool batch)
{
  struct sched_param param = { };
  return sched_setscheduler (0, batch ? SCHED_BATCH : SCHED_OTHER,
      &param) == 0;
}

/* The nice value of a thread in the background (set_background). */
constexpr int kBackgroundNice = 10;

/* Whether the calling thread is in the background (set_background). */
inline thread_local bool t_background = false;

/* The calling thread in the background (@background: nice 10, and
 * yield_to_waiting () gives the core away) or back (nice 0), its policy
 * unchanged: with ThreadPolicy::batch, the handshake threads and a
 * sessionbin's setup thread, so that when the core is busy the threads
 * that read and write media (nice 0) get ~10 times their share. False
 * when the kernel refused the nice value. */
inline bool
set_background (bool background)
{
  t_background = background;
  return setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid),
      background ? kBackgroundNice : 0) == 0;
}

/* Between two pieces of a background thread's work: a thread waiting for
 * the core (a SCHED_BATCH I/O thread woken by media) runs now. A waking
 * SCHED_BATCH thread does not preempt the running one, and nice only
 * shares CPU over time: without this, media waits behind a burst of
 * handshakes until the next scheduler tick (4 ms at this kernel's 250
 * Hz). ~0.5 us when nobody waits (a sched_yield () loop on this VM).
 * Nothing on a thread not in the background. */
inline void
yield_to_waiting ()
{
  if (t_background)
    sched_yield ();
}

/* SCHED_OTHER for its lifetime, when the thread was SCHED_BATCH. */
class NormalPolicy
{
public:
  NormalPolicy ():was_batch (sched_getscheduler (0) == SCHED_BATCH)
  {
    if (was_batch)
      set_batch_policy (false);
  }
  ~NormalPolicy ()
  {
    if (was_batch)
      set_batch_policy (true);
  }
  NormalPolicy (const NormalPolicy &) = delete;
  NormalPolicy & operator= (const NormalPolicy &) = delete;

private:
  bool was_batch;
};

}  // namespace sessionctx
