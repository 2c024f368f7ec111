/* What /metrics tells about the cluster directory (Redis), when the
 * server has one: whether it is reachable, its errors, claims lost to
 * another instance, starts refused because the id is live elsewhere,
 * and API requests forwarded to another instance. Relaxed atomics.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <atomic>
#include <string>

namespace sessionctx {

class DirectoryCounters
{
public:
  /* The server has a directory: render () writes its series. */
  void set_configured () { configured_.store (true); }
  void set_up (bool up) { up_.store (up ? 1 : 0, std::memory_order_relaxed); }
  void error () { errors_.fetch_add (1, std::memory_order_relaxed); }
  void claim_lost () { lost_.fetch_add (1, std::memory_order_relaxed); }
  void refused () { refused_.fetch_add (1, std::memory_order_relaxed); }
  void forwarded (bool ok)
  {
    (ok ? forwarded_ : forward_failed_).fetch_add (1,
        std::memory_order_relaxed);
  }
  bool up () const { return up_.load (std::memory_order_relaxed); }

  /* Appends sessionctx_directory_* in the text format (0.0.4); nothing
   * without a directory. */
  void render (std::string & out) const;

private:
  std::atomic<bool> configured_ { false };
  std::atomic<int> up_ { 0 };
  std::atomic<guint64> errors_ { 0 };
  std::atomic<guint64> lost_ { 0 };
  std::atomic<guint64> refused_ { 0 };
  std::atomic<guint64> forwarded_ { 0 };
  std::atomic<guint64> forward_failed_ { 0 };
};

}  // namespace sessionctx
