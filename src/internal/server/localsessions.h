/* The session API's directory of this server's own sessions: listed from
 * a copy of the session table (what the `stats` property shows, as JSON),
 * acted on on each session's own I/O thread. A directory of several
 * instances wraps or replaces it; the API's handlers (http/sessionapi.h)
 * do not change.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "http/sessionapi.h"
#include "session/session.h"

#include <string>

namespace sessionctx {

class Server;

/* One session as the API shows it: a JSON object with the fields of its
 * `stats` structure (sessionstats.h; same names and values) and, once
 * started, `media` and `media-back` (as session-started has them). @id:
 * the table's copy. */
std::string session_json (const std::string & id, const Session & s);

class LocalSessions : public SessionDirectory
{
public:
  explicit LocalSessions (Server & server) : server_ (server) {}

  /* Any thread, at once: never waits on an I/O thread. */
  void list (Done done) override;
  void describe (const std::string & id, Done done) override;
  /* Queued on the session's I/O thread, answered from there. */
  void act (ApiRoute route, const std::string & id, std::string body,
      Done done) override;

private:
  Server & server_;
};

}  // namespace sessionctx
