/* One session's entry in the cluster directory, by id, for a reader
 * that is no instance (the receiving side of an RTP hop): ask () queues
 * an id and returns at once; a thread of its own (started at the first
 * ask) GETs `sessionctx:session:<id>` on a connection of its own and
 * hands the checked entry (parse_cluster_entry ()) to the answer
 * callback. An id that is not there, whose value is refused, or that
 * Redis could not be asked about (down, hung: the connection's
 * timeouts) is asked once more kClusterLookupRetryS later (its claim may
 * not be written yet; Redis may be back), then answered with nothing.
 * The connection comes back by itself, with the link's backoff. Built
 * without hiredis it never connects: every id is answered with nothing
 * (client_built () says so).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cluster/clusterentry.h"
#include "cluster/clusterurls.h"

#include <glib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sessionctx {

constexpr guint kClusterLookupRetryS = 3;
/* Most ids waiting: past it ask () refuses (never a queue that grows
 * with packets). */
constexpr size_t kClusterLookupQueue = 1024;

class ClusterLookup
{
public:
  /* @id's entry, or nullptr (not found twice, refused, or Redis
   * unreachable twice). Called on the lookup's thread, no lock held. */
  using Answer = std::function<void (const std::string & id,
      const ClusterEntry * entry)>;

  ClusterLookup (const RedisAddress & redis, Answer answer);
  /* Joins the thread (an answer under way ends first). */
  ~ClusterLookup ();
  ClusterLookup (const ClusterLookup &) = delete;
  ClusterLookup & operator= (const ClusterLookup &) = delete;

  /* Queues @id: a leaf lock, no network. False when kClusterLookupQueue
   * ids wait already. */
  bool ask (const std::string & id);

  /* Whether this build has a Redis client (hiredis). */
  static bool client_built ();

  /* GETs sent to Redis, and entries found (valid). */
  guint64 lookups () const { return lookups_; }
  guint64 found () const { return found_; }

private:
  using Clock = std::chrono::steady_clock;
  struct Item
  {
    std::string id;
    Clock::time_point at;
    int tries;
  };

  void run ();

  const RedisAddress redis_;
  Answer answer_;
  std::atomic<guint64> lookups_ { 0 };
  std::atomic<guint64> found_ { 0 };

  std::mutex lock_;             /* leaf: the queue, stopping_, thread_ */
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<Item> queue_;
  std::thread thread_;
};

}  // namespace sessionctx
