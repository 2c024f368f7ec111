/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sessionbin/setupbacklog.h"

#include "io/ioround.h"

#include <glib.h>

#include <deque>

namespace sessionbin {

namespace {

struct Backlog
{
  std::deque<std::function<void ()>> jobs;
  GSource *source = nullptr;

  ~Backlog ()
  {
    if (source) {
      g_source_destroy (source);
      g_source_unref (source);
    }
  }
};

thread_local Backlog t_backlog;

gboolean
run_slice (gpointer)
{
  Backlog & b = t_backlog;
  const gint64 start = g_get_monotonic_time ();
  while (!b.jobs.empty () && g_get_monotonic_time () - start < kSliceUs) {
    std::function<void ()> job = std::move (b.jobs.front ());
    b.jobs.pop_front ();
    job ();
  }
  if (!b.jobs.empty ())
    return G_SOURCE_CONTINUE;
  g_source_unref (b.source);
  b.source = nullptr;
  return G_SOURCE_REMOVE;
}

}  // namespace

bool
defer_setup (std::function<void ()> job)
{
  GMainContext *context = g_main_context_get_thread_default ();
  if (!sessionctx::io_round_open () || !context)
    return false;
  Backlog & b = t_backlog;
  b.jobs.push_back (std::move (job));
  if (!b.source) {
    /* The media's priority: each iteration of the thread's loop reads
     * what came in and runs one slice of setups. */
    b.source = g_idle_source_new ();
    g_source_set_priority (b.source, G_PRIORITY_DEFAULT);
    g_source_set_callback (b.source, run_slice, nullptr, nullptr);
    g_source_attach (b.source, context);
  }
  return true;
}

}  // namespace sessionbin
