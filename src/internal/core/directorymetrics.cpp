/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/directorymetrics.h"
#include "core/prometheustext.h"

namespace sessionctx {

void
DirectoryCounters::render (std::string & out) const
{
  if (!configured_.load ())
    return;
  const auto r = std::memory_order_relaxed;
  prometheus::header (out, "sessionctx_directory_up", "gauge", "1 while the "
      "cluster directory (Redis) answers; 0: the session API answers for "
      "this instance only and ids are not checked across instances");
  prometheus::sample (out, "sessionctx_directory_up", {}, up_.load (r));
  prometheus::header (out, "sessionctx_directory_errors_total", "counter",
      "Failed connections and commands to the cluster directory");
  prometheus::sample (out, "sessionctx_directory_errors_total", {},
      errors_.load (r));
  prometheus::header (out, "sessionctx_directory_claims_lost_total",
      "counter", "Sessions ended because another instance holds their id "
      "(two starts of one id within one heartbeat)");
  prometheus::sample (out, "sessionctx_directory_claims_lost_total", {},
      lost_.load (r));
  prometheus::header (out, "sessionctx_directory_refused_total", "counter",
      "Starts refused because their id is live on another instance");
  prometheus::sample (out, "sessionctx_directory_refused_total", {},
      refused_.load (r));
  prometheus::header (out, "sessionctx_directory_forwarded_total", "counter",
      "Session API requests forwarded to the instance holding the session, "
      "by outcome (answered, or unreachable: 502/504)");
  prometheus::sample (out, "sessionctx_directory_forwarded_total", {
        {"outcome", "answered"}}, forwarded_.load (r));
  prometheus::sample (out, "sessionctx_directory_forwarded_total", {
        {"outcome", "unreachable"}}, forward_failed_.load (r));
}

}  // namespace sessionctx
