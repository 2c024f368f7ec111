/* What /metrics tells about the session API (/sessions): requests by
 * route and HTTP status. Relaxed atomics; both labels are bounded (six
 * routes, a fixed list of statuses), never a client's id.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <atomic>
#include <string>

namespace sessionctx {

/* The session API's routes (the `route` label): what a request asked,
 * from its method and the shape of its path. */
enum class ApiRoute
{
  list,                         /* GET /sessions */
  get,                          /* GET /sessions/{id} */
  message,                      /* POST /sessions/{id}/message */
  clear,                        /* POST /sessions/{id}/clear */
  end,                          /* DELETE /sessions/{id} */
  other,                        /* any other path or method under /sessions */
  kCount,
};

/* "list", "get", "message", "clear", "end", "other". */
const char *api_route_name (ApiRoute route);

class ApiCounters
{
public:
  /* Any thread: a request to @route answered @status (a status outside
   * the fixed list counts as 500). */
  void request (ApiRoute route, guint status);
  guint64 count (ApiRoute route, guint status) const;

  /* Appends sessionctx_api_requests_total in the text format (0.0.4):
   * the series of every route answered 200 and of every pair counted. */
  void render (std::string & out) const;

private:
  static constexpr guint kStatuses[] = { 200, 400, 401, 403, 404, 405, 409,
    411, 413, 415, 500, 502, 503, 504
  };
  static constexpr int kNumStatuses = G_N_ELEMENTS (kStatuses);
  static int status_index (guint status);
  std::atomic<guint64> requests_[(int) ApiRoute::kCount][kNumStatuses] {};
};

}  // namespace sessionctx
