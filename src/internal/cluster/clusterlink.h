/* This instance's link to the cluster directory (Redis): one thread of
 * its own owns a blocking connection (never an I/O or a streaming
 * thread, never a call per frame). Every heartbeat it writes each live
 * session of this instance under `sessionctx:session:<id>` with an
 * expiry (claimed only when free or already this instance's), deletes
 * what ended here (only when still this instance's), and reads every
 * instance's sessions back into a mirror: what the start path and the
 * session API consult without waiting on the network. A claim a write
 * finds held by another instance is lost: the session is ended like a
 * duplicate. Redis down: the link says so (metrics), clears the mirror
 * (this instance answers for itself), and reconnects with backoff.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cluster/clusterentry.h"
#include "cluster/clusterurls.h"
#include "core/directorymetrics.h"
#include "session/session.h"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace sessionctx {

struct RedisConnection;

/* Seconds between heartbeats, and a session's expiry in the directory:
 * an instance killed without a word leaves the directory within
 * kDirectoryTtlS + kDirectoryHeartbeatS. */
constexpr guint kDirectoryHeartbeatS = 1;
constexpr guint kDirectoryTtlS = 5;

class ClusterLink : public SessionTable::Peers
{
public:
  /* This instance's sessions as id → the API's JSON object; with @only,
   * those ids only (the ones still live). Called on the link's thread. */
  using Snapshot = std::function<std::vector<std::pair<std::string,
      std::string>> (const std::unordered_set<std::string> * only)>;
  /* Another instance holds @id (a claim lost): end this instance's
   * session @id like a duplicate. Called on the link's thread. */
  using Lost = std::function<void (const std::string & id)>;

  ClusterLink (const RedisAddress & redis, const std::string & instance_url,
      DirectoryCounters & counters, Snapshot snapshot, Lost lost);
  /* stop () first. */
  ~ClusterLink ();
  void start ();
  /* Joins the thread; this instance's claims are deleted when Redis is
   * reachable (else they expire). */
  void stop ();

  const std::string & instance_url () const { return instance_; }
  /* Another instance's session (from the mirror), if any. */
  std::optional<ClusterEntry> find (const std::string & id);
  /* Every other instance's session (from the mirror), by id. */
  std::vector<std::pair<std::string, ClusterEntry>> remote ();

  /* SessionTable::Peers: a leaf lock each, no network. */
  bool live_elsewhere (const std::string & id) override;
  void claimed (const std::string & id) override;
  void removed (const std::string & id) override;

private:
  using Connection = RedisConnection;

  void run ();
  /* One round on a connection: the claims and removals queued, or the
   * heartbeat (writes, removals, the mirror read back) when @full.
   * False on a connection error. */
  bool round (Connection & c, bool full,
      std::unordered_set<std::string> & claims,
      std::vector<std::string> & removals);
  bool write (Connection & c,
      const std::vector<std::pair<std::string, std::string>> & sessions);
  bool erase (Connection & c, const std::vector<std::string> & ids);
  bool read_mirror (Connection & c);

  const RedisAddress redis_;
  const std::string instance_;
  DirectoryCounters & counters_;
  Snapshot snapshot_;
  Lost lost_;

  std::mutex lock_;             /* leaf: the queue, the mirror, stopping_ */
  std::condition_variable wake_;
  bool stopping_ = false;
  std::unordered_set<std::string> claims_;      /* claimed, not written */
  std::vector<std::string> removals_;
  std::unordered_map<std::string, ClusterEntry> mirror_;
  /* The link's thread only: ids whose claim was lost and whose session
   * has not left yet (a session written again at its start loses again:
   * counted and ended once). */
  std::unordered_set<std::string> lost_ids_;
  std::thread thread_;
};

}  // namespace sessionctx
