/* What /metrics tells about the health routes and the drain: requests to
 * /healthz and /readyz by path and status, and whether the server drains.
 * Relaxed atomics; the labels are fixed (two paths, a few statuses).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <atomic>
#include <string>

namespace sessionctx {

class HealthCounters
{
public:
  enum Path
  {
    healthz,
    readyz,
    kPaths,
  };

  /* Any thread: a request to @path answered @status (200, 405 or 503;
   * refusals by the access rules count as protocol errors instead). */
  void request (Path path, guint status);
  /* The server drains from now on (a gauge: 0 or 1). */
  void set_draining () { draining_.store (1, std::memory_order_relaxed); }

  /* Appends sessionctx_health_requests_total and sessionctx_draining in
   * the text format (0.0.4). */
  void render (std::string & out) const;

private:
  static constexpr guint kStatuses[] = { 200, 405, 503 };
  static constexpr int kNumStatuses = G_N_ELEMENTS (kStatuses);
  std::atomic<guint64> requests_[kPaths][kNumStatuses] {};
  std::atomic<int> draining_ { 0 };
};

}  // namespace sessionctx
