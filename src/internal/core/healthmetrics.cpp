/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/healthmetrics.h"

namespace sessionctx {
namespace {

const char *const kPathNames[] = { "/healthz", "/readyz" };

}  // namespace

constexpr guint HealthCounters::kStatuses[];

void
HealthCounters::request (Path path, guint status)
{
  for (int i = 0; i < kNumStatuses; i++)
    if (kStatuses[i] == status) {
      requests_[path][i].fetch_add (1, std::memory_order_relaxed);
      return;
    }
}

void
HealthCounters::render (std::string & out) const
{
  out += "# HELP sessionctx_health_requests_total Requests to the health "
      "routes (/healthz: alive; /readyz: takes sessions), by path and HTTP "
      "status\n# TYPE sessionctx_health_requests_total counter\n";
  for (int p = 0; p < kPaths; p++)
    for (int i = 0; i < kNumStatuses; i++) {
      out += "sessionctx_health_requests_total{path=\"";
      out += kPathNames[p];
      out += "\",code=\"";
      out += std::to_string (kStatuses[i]);
      out += "\"} ";
      out += std::to_string (requests_[p][i].load (std::memory_order_relaxed));
      out += '\n';
    }
  out += "# HELP sessionctx_draining 1 while the server drains (takes no new "
      "session; live ones go on until they end or drain-timeout)\n"
      "# TYPE sessionctx_draining gauge\nsessionctx_draining ";
  out += std::to_string (draining_.load (std::memory_order_relaxed));
  out += '\n';
}

}  // namespace sessionctx
