/* The session API on the server's port (off unless an api-token is set):
 * GET /sessions, GET /sessions/{id}, POST /sessions/{id}/message,
 * POST /sessions/{id}/clear, DELETE /sessions/{id} (docs/PROTOCOL.md,
 * "Session API"). This room answers HTTP: access (api-token, origins),
 * sizes, the path and the body (apirequest.h), counting; what a session
 * is and how it is acted on comes from a SessionDirectory — this server's
 * own table (server/localsessions.h), or with a cluster directory one
 * that also knows other instances' sessions and forwards to them
 * (cluster/clustersessions.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/apimetrics.h"
#include "core/metrics.h"
#include "http/access.h"
#include "io/iothread.h"

#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <string>

namespace sessionctx {

/* The header of a request one instance forwards to another (value "1"):
 * the receiver answers for its own sessions only. It opens nothing: the
 * request still needs the api-token. */
constexpr const char *kForwardedRequestHeader = "X-Sessionctx-Forwarded";

/* Where the session API finds sessions and how it acts on them. Each call
 * answers through @done exactly once, from any thread (at once, or later:
 * the HTTP request waits, its handshake thread does not). A directory
 * answers what a route asks in full (status and JSON body): one that
 * forwards to another instance passes that instance's answer on. */
class SessionDirectory
{
public:
  struct Answer
  {
    guint status;
    std::string body;           /* JSON */
  };
  using Done = std::function<void (Answer)>;

  virtual ~SessionDirectory () = default;
  /* GET /sessions: {"sessions":[SESSION,...]} (200). */
  virtual void list (Done done) = 0;
  /* GET /sessions/{id}: SESSION (200), or 404 unknown_session. */
  virtual void describe (const std::string & id, Done done) = 0;
  /* @route message (@body: a JSON object, checked), clear or end, on the
   * session @id where it is served: 200 {"status":"success"}; 404
   * unknown_session; 409 not_started. */
  virtual void act (ApiRoute route, const std::string & id, std::string body,
      Done done) = 0;
};

class SessionApi
{
public:
  SessionApi (const Access & access, Metrics & metrics,
      SessionDirectory & directory)
      : access_ (access), metrics_ (metrics), directory_ (&directory),
      local_ (directory)
  {
  }

  /* Before mount (): @cluster answers from now on, but for requests
   * another instance forwarded (kForwardedRequestHeader), which the
   * constructor's directory (this instance's own) answers: no loops. */
  void set_cluster (SessionDirectory & cluster) { directory_ = &cluster; }

  /* On the handshake thread @http, whose SoupServer is @soup: serves
   * /sessions there. Answers that come once @alive (the owner of this
   * and of @http) is gone are dropped. */
  void mount (SoupServer * soup, IoThread & http, std::weak_ptr<void> alive);

private:
  struct Mount;
  struct Reply;

  static void on_early (SoupServer * soup, SoupServerMessage * msg,
      const char *path, GHashTable * query, gpointer user_data);
  static void on_request (SoupServer * soup, SoupServerMessage * msg,
      const char *path, GHashTable * query, gpointer user_data);
  /* Access and size, before the body is read. */
  void early (SoupServerMessage * msg);
  void handle (Mount & m, SoupServerMessage * msg);
  void answer (Reply & r, const SessionDirectory::Answer & a);
  void respond (SoupServerMessage * msg, ApiRoute route, guint status,
      const std::string & body, const char *allow = nullptr);

  const Access & access_;
  Metrics & metrics_;
  SessionDirectory *directory_;
  SessionDirectory & local_;
};

}  // namespace sessionctx
