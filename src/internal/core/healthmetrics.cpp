/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/healthmetrics.h"
#include "core/prometheustext.h"

namespace sessionctx {
namespace {

const char *const kPathNames[] = { "/healthz", "/readyz" };

}  // namespace

constexpr guint HealthCounters::kStatuses[];

void
HealthCounters::request (Path path, guint status)
{
  int i = prometheus::status_index (kStatuses, status);
  if (i >= 0)
    requests_[path][i].fetch_add (1, std::memory_order_relaxed);
}

void
HealthCounters::render (std::string & out) const
{
  prometheus::header (out, "sessionctx_health_requests_total", "counter",
      "Requests to the health routes (/healthz: alive; /readyz: takes "
      "sessions), by path and HTTP status");
  for (int p = 0; p < kPaths; p++)
    for (int i = 0; i < kNumStatuses; i++)
      prometheus::sample (out, "sessionctx_health_requests_total", {
            {"path", kPathNames[p]},
            {"code", std::to_string (kStatuses[i]).c_str ()}},
          requests_[p][i].load (std::memory_order_relaxed));
  prometheus::header (out, "sessionctx_draining", "gauge", "1 while the "
      "server drains (takes no new session; live ones go on until they end "
      "or drain-timeout)");
  prometheus::sample (out, "sessionctx_draining", {},
      draining_.load (std::memory_order_relaxed));
}

}  // namespace sessionctx
