/* WebRTC signalling over HTTP (FastRTC's POST /webrtc/offer): offers that
 * reserve a session, trickled candidates, the candidates that came before
 * their offer, and the ids of sessions that ended recently.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "wire/protocol.h"
#include "session/session.h"

#include <libsoup/soup.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sessionctx {

struct IoThread;

class Signalling
{
public:
  explicit Signalling (SessionHost & host) : host_ (host) {}

  /* A request on /webrtc/offer, on @http's thread (the handshake thread,
   * whose libsoup has @msg); an offer's session is served by @io. The
   * answer to an offer waits for the listener; it is dropped once @server
   * is gone. */
  void handle_request (IoThread & io, IoThread & http,
      SoupServerMessage * msg, std::weak_ptr<void> server);
  /* A WebRTC session ended: candidates for its id answer
   * connection_closed for a while. */
  void remember_closed (const std::string & id);
  /* Forgets held candidates and closed ids that are too old. */
  void expire (gint64 now);

private:
  void handle_offer (IoThread & io, IoThread & http,
      SoupServerMessage * msg, SignalRequest & req,
      std::weak_ptr<void> server);
  void handle_candidate (SoupServerMessage * msg, SignalRequest & req);

  SessionHost & host_;

  /* Signalling may come in on any I/O thread. */
  std::mutex lock_;             /* guards held_ and recently_closed_ */
  struct HeldCandidate
  {
    int mline_index;
    std::string candidate;
    gint64 received_us;
  };
  std::unordered_map<std::string, std::vector<HeldCandidate>> held_;
  std::unordered_map<std::string, gint64> recently_closed_;
};

}  // namespace sessionctx
