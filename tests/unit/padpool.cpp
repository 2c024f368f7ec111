/* Unit tests of PadPool, the streaming threads session pads share: when
 * a thread on a batch counts as blocked (and another takes over the rest)
 * and when it does not.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "stream/padpool.h"

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>

#include <pthread.h>
#include <sched.h>
#include <time.h>

namespace {

class FnJob : public PoolJob
{
public:
  explicit FnJob (std::function<void ()> fn) : fn_ (std::move (fn)) {}
  void run_in_pool () override { fn_ (); }

private:
  std::function<void ()> fn_;
};

void
submit (PadPool & pool, std::function<void ()> fn)
{
  pool.ready (std::make_shared<FnJob> (std::move (fn)));
}

/* Waits up to 5 s for @flag; whether it was set. */
bool
wait_for (const std::atomic<bool> &flag)
{
  gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!flag.load () && g_get_monotonic_time () < until)
    g_usleep (200);
  return flag.load ();
}

gint64
thread_cpu_us ()
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Two of the cores this process may run on, or false. */
bool
two_cores (int &a, int &b)
{
  cpu_set_t set;
  CPU_ZERO (&set);
  if (sched_getaffinity (0, sizeof (set), &set) != 0)
    return false;
  a = b = -1;
  for (int c = 0; c < CPU_SETSIZE && b < 0; c++) {
    if (!CPU_ISSET (c, &set))
      continue;
    if (a < 0)
      a = c;
    else
      b = c;
  }
  return b >= 0;
}

/* The calling thread (and the threads it starts from now on) on @core
 * alone. */
void
pin (int core)
{
  cpu_set_t set;
  CPU_ZERO (&set);
  CPU_SET (core, &set);
  g_assert_cmpint (sched_setaffinity (0, sizeof (set), &set), ==, 0);
}

/* A pool of one thread on core @core, the calling thread there too until
 * it pins itself to @other; NULL (the test skipped) without two cores. */
std::unique_ptr<PadPool>
pool_on_one_core (int &core, int &other)
{
  if (!two_cores (core, other)) {
    g_test_skip ("needs two cores");
    return nullptr;
  }
  pin (core);
  return std::make_unique<PadPool> (1);
}

/* @pool (one thread) runs a first batch that keeps its thread, @hold,
 * until a second one queued behind it has run (at most 5 s); the second
 * must run while the first still holds its thread, on a thread started
 * for it. */
void
check_taken_over (PadPool & pool,
    const std::function<void (const std::atomic<bool> &)> &hold)
{
  std::atomic<bool> second_ran {false}, first_done {false},
      first_done_then {true};
  submit (pool,[&] {
        hold (second_ran);
        first_done = true;
      });
  g_usleep (1000);
  submit (pool,[&] {
        first_done_then = first_done.load ();
        second_ran = true;
      });
  g_assert_true (wait_for (second_ran));
  g_assert_false (first_done_then.load ());
  g_assert_true (wait_for (first_done));
  g_assert_cmpuint (pool.handoffs (), >=, 1);
}

/* A batch whose thread sleeps (an appsink callback sleeping): another
 * thread takes what is queued behind it. */
void
test_sleeping_is_blocked ()
{
  PadPool pool (1);
  check_taken_over (pool,[](const std::atomic<bool> &second_ran) {
        /* Asleep until the job queued behind it has run (at most 5 s). */
        wait_for (second_ran);
      });
}

/* A batch that runs on and on (a recognizer taking 200 ms): it counts as
 * blocked too, even with the pool's threads on one core. */
void
test_busy_is_blocked ()
{
  int a, b;
  auto pool = pool_on_one_core (a, b);
  if (!pool)
    return;
  pin (b);
  check_taken_over (*pool,[](const std::atomic<bool> &second_ran) {
        gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
        while (!second_ran.load () && g_get_monotonic_time () < until) {
        }
      });
}

/* A batch whose thread only waits for its core (a thread of higher
 * priority runs there, as the I/O thread would on a busy machine) is not
 * blocked: another thread would only take turns on the same core. Checked
 * while the batch waits, by queueing more from another core; then nothing
 * may have been started for it. Needs two cores and SCHED_FIFO (root). */
void
test_preempted_is_not_blocked ()
{
  int a, b;
  auto owned = pool_on_one_core (a, b);
  if (!owned)
    return;
  PadPool & pool = *owned;
  /* The competitor, on the pool's core, at real-time priority: it
   * preempts the batch as soon as the batch has begun. */
  struct Competitor
  {
    std::atomic<bool> go {false}, over {false};
    std::atomic<int> ok {-1};
    std::atomic<int> looks {0};   /* the pool's looks at the batch */
  } c;
  GThread *competitor = g_thread_new ("competitor",[](gpointer data)->gpointer {
        auto *c = static_cast<Competitor *> (data);
        struct sched_param param = { };
        param.sched_priority = 1;
        int ok = pthread_setschedparam (pthread_self (), SCHED_FIFO, &param);
        c->ok = ok == 0;
        if (ok != 0)
          return nullptr;
        while (!c->go.load ())
          g_usleep (100);
        /* On the pool's core (nothing else runs there meanwhile) until
         * the pool has looked at the waiting batch three times (a probe,
         * then judgements), 200 ms at most. */
        gint64 until = g_get_monotonic_time () + 200000;
        while (c->looks.load () < 3 && g_get_monotonic_time () < until) {
        }
        c->over = true;
        return nullptr;
      }, &c);
  std::atomic<bool> batch_done {false};
  pin (b);
  while (c.ok.load () < 0)
    g_usleep (100);
  if (c.ok.load () == 0) {
    g_thread_join (competitor);
    g_test_skip ("SCHED_FIFO not permitted");
    return;
  }
  std::atomic<gint64> batch_wall_us {0};
  submit (pool,[&] {
        /* 1 ms of CPU, the competitor let loose after the first bit. */
        gint64 start = thread_cpu_us ();
        gint64 began = g_get_monotonic_time ();
        c.go = true;
        while (thread_cpu_us () - start < 1000) {
        }
        batch_wall_us = g_get_monotonic_time () - began;
        batch_done = true;
      });
  /* While the competitor spins: more queued every 2.5 ms, and each time
   * the pool looks at its thread. */
  while (!c.go.load ())
    g_usleep (100);
  std::atomic<int> others {0};
  for (;;) {
    g_usleep (2500);
    if (c.over.load ())
      break;
    submit (pool,[&] {
          others++;
        });
    c.looks++;
  }
  g_thread_join (competitor);
  g_assert_true (wait_for (batch_done));
  /* What the case names happened: the batch waited for its core longer
   * than a thread may take on one batch, and the pool looked meanwhile. */
  g_assert_cmpint (c.looks.load (), >=, 3);
  g_assert_cmpint (batch_wall_us.load (), >, PadPool::kBlockedAfterUs);
  gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (others.load () < 1 && g_get_monotonic_time () < until)
    g_usleep (200);
  g_assert_cmpint (others.load (), >=, 1);
  g_assert_cmpuint (pool.handoffs (), ==, 0);
}

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, nullptr);
  g_test_add_func ("/padpool/sleeping-is-blocked", test_sleeping_is_blocked);
  g_test_add_func ("/padpool/busy-is-blocked", test_busy_is_blocked);
  g_test_add_func ("/padpool/preempted-is-not-blocked",
      test_preempted_is_not_blocked);
  return g_test_run ();
}
