/* Waiting on the default main context, and a string assertion.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <functional>
#include <string>

namespace test {

/* g_assert_cmpstr on a temporary's c_str () would read freed memory. */
#define assert_str_eq(a, b) do {                                    \
    const std::string _a = (a), _b = (b);                           \
    g_assert_cmpstr (_a.c_str (), ==, _b.c_str ());                 \
  } while (0)

/* Iterates the default main context until @pred holds or @timeout_ms
 * passes. */
inline bool
wait_for (const std::function<bool ()> & pred, guint timeout_ms = 5000)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  while (!pred ()) {
    if (g_get_monotonic_time () > deadline)
      return false;
    if (!g_main_context_iteration (nullptr, FALSE))
      g_usleep (1000);
  }
  return true;
}

inline void
spin (guint ms)
{
  wait_for ([] {
        return false;
      }, ms);
}

}  // namespace test
