/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/apimetrics.h"
#include "core/prometheustext.h"

namespace sessionctx {
namespace {

const char *const kRouteNames[] = { "list", "get", "message", "clear", "end",
  "other"
};
static_assert (G_N_ELEMENTS (kRouteNames) == (size_t) ApiRoute::kCount,
    "a name per route");

}  // namespace

constexpr guint ApiCounters::kStatuses[];

const char *
api_route_name (ApiRoute route)
{
  int i = (int) route;
  return i >= 0 && i < (int) ApiRoute::kCount ? kRouteNames[i] : "other";
}

int
ApiCounters::status_index (guint status)
{
  int i = prometheus::status_index (kStatuses, status);
  return i >= 0 ? i : prometheus::status_index (kStatuses, 500);
}

void
ApiCounters::request (ApiRoute route, guint status)
{
  int r = (int) route;
  if (r < 0 || r >= (int) ApiRoute::kCount)
    r = (int) ApiRoute::other;
  requests_[r][status_index (status)].fetch_add (1,
      std::memory_order_relaxed);
}

guint64
ApiCounters::count (ApiRoute route, guint status) const
{
  int r = (int) route;
  if (r < 0 || r >= (int) ApiRoute::kCount)
    return 0;
  return requests_[r][status_index (status)].load (std::memory_order_relaxed);
}

void
ApiCounters::render (std::string & out) const
{
  prometheus::header (out, "sessionctx_api_requests_total", "counter",
      "Requests to the session API (/sessions, api-token), by route (list, "
      "get, message, clear, end, other) and HTTP status");
  for (int r = 0; r < (int) ApiRoute::kCount; r++)
    for (int i = 0; i < kNumStatuses; i++) {
      guint64 n = requests_[r][i].load (std::memory_order_relaxed);
      if (n == 0 && kStatuses[i] != 200)
        continue;
      prometheus::sample (out, "sessionctx_api_requests_total", {
            {"route", kRouteNames[r]},
            {"code", std::to_string (kStatuses[i]).c_str ()}}, n);
    }
}

}  // namespace sessionctx
