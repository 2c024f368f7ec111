/* The server's side of a cluster directory: its link, forwarder and the
 * session API's cluster directory, started before the server serves and
 * stopped around its threads; and ending a session whose id turned out
 * to be another instance's.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server/server.h"

#include "core/serverdebug.h"
#include "wire/logsafe.h"
#include "wire/websocket.h"

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {

bool
Server::start_cluster (GError ** error)
{
  if (config_.directory.empty ())
    return true;
#ifndef HAVE_HIREDIS
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
      "directory is set but this build has no Redis client (hiredis): "
      "rebuild with libhiredis-dev, or leave directory empty");
  return false;
#else
  RedisAddress redis;
  if (!parse_redis_url (config_.directory, &redis)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "directory \"%s\" is not a redis://host[:port][/db] URL",
        log_safe (config_.directory).c_str ());
    return false;
  }
  std::string instance = check_instance_url (config_.instance_url);
  if (instance.empty ()) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "a directory needs instance-url: the http(s)://host:port[/path] "
        "the other instances reach this one at (got \"%s\")",
        log_safe (config_.instance_url).c_str ());
    return false;
  }
  ClusterLink::Snapshot snapshot =[this](const std::unordered_set <
      std::string > *only) {
    return sessions_json (only);
  };
  link_ = std::make_unique<ClusterLink> (redis, instance,
      metrics_.directory, snapshot, [this](const std::string & id) {
        end_duplicate (id);
      });
  forwarder_ = std::make_unique<Forwarder> (config_.api_token,
      metrics_.directory);
  cluster_ = std::make_unique<ClusterSessions> (directory_, sessions_,
      snapshot, *link_, *forwarder_);
  api_.set_cluster (*cluster_);
  sessions_.set_peers (link_.get ());
  link_->start ();
  forwarder_->start ();
  return true;
#endif
}

void
Server::stop_forwarder ()
{
  if (forwarder_)
    forwarder_->stop ();
}

void
Server::stop_link ()
{
  if (link_)
    link_->stop ();
}

std::vector<std::pair<std::string, std::string>>
Server::sessions_json (const std::unordered_set<std::string> * only)
{
  std::vector<std::pair<std::string, std::string>> out;
  if (only) {
    for (const std::string & id : *only)
      if (auto s = find_session (id))
        out.emplace_back (id, session_json (id, *s));
    return out;
  }
  for (auto &[id, s] : sessions_snapshot ())
    out.emplace_back (id, session_json (id, *s));
  return out;
}

void
Server::end_duplicate (const std::string & id)
{
  auto s = find_session (id);
  if (!s)
    return;
  s->io ().invoke ([s] {
        if (s->ended ())
          return;
        if (s->transport () == GST_SESSION_TRANSPORT_WEBSOCKET)
          s->reply_error (error::connection_already_exists, "session id is "
              "live on another instance");
        s->close (GST_SESSION_END_REASON_ERROR, ws::kClosePolicyViolation,
            "connection_already_exists");
      });
}

}  // namespace sessionctx
