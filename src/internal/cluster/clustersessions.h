/* The session API's directory of a cluster: this instance's sessions
 * (asked of the local directory) and every other instance's (from the
 * cluster link's mirror). Listing merges both, each entry with its
 * "instance"; describing or acting on a session held elsewhere forwards
 * the request to its instance (forwarder.h), which answers it locally.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cluster/clusterlink.h"
#include "cluster/forwarder.h"
#include "http/sessionapi.h"
#include "session/session.h"

namespace sessionctx {

class ClusterSessions : public SessionDirectory
{
public:
  ClusterSessions (SessionDirectory & local, SessionTable & table,
      ClusterLink::Snapshot snapshot, ClusterLink & link,
      Forwarder & forwarder)
      : local_ (local), table_ (table), snapshot_ (std::move (snapshot)),
      link_ (link), forwarder_ (forwarder)
  {
  }

  /* At once: no network (the mirror is the last heartbeat's). */
  void list (Done done) override;
  /* Here: the local directory; elsewhere: forwarded; else 404. */
  void describe (const std::string & id, Done done) override;
  void act (ApiRoute route, const std::string & id, std::string body,
      Done done) override;

private:
  SessionDirectory & local_;
  SessionTable & table_;
  ClusterLink::Snapshot snapshot_;
  ClusterLink & link_;
  Forwarder & forwarder_;
};

}  // namespace sessionctx
