/* What the element serving a server's clients implements: it receives what
 * clients send, and keeps its own state on each session.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "wire/protocol.h"

#include <gst/sessionctx/sessionctx.h>

#include <functional>
#include <memory>
#include <string>

namespace sessionctx {

class Session;

/* Receives what clients send. Every callback runs on the server thread. */
class ServerListener
{
public:
  virtual ~ServerListener () = default;
  virtual void on_session_started (const std::shared_ptr<Session> & s) = 0;
  /* @data is encoded as @encoding at s.input_rate (): s.encoding () for
   * JSON media, the client's choice for binary frames. */
  virtual void on_session_media (Session & s, Encoding encoding,
      const uint8_t * data, size_t len) = 0;
  virtual void on_session_dtmf (Session & s, const std::string & digit) = 0;
  virtual void on_session_mark (Session & s, const std::string & name) = 0;
  virtual void on_session_message (Session & s, const std::string & json) = 0;
  virtual void on_session_ended (Session & s, GstSessionEndReason reason) = 0;
  /* A WebRTC offer for a new, reserved session. @reply (HTTP status, JSON
   * body) must be called exactly once, from any thread. */
  virtual void on_webrtc_offer (const std::shared_ptr<Session> & s,
      const std::string & sdp,
      std::function<void (guint status, std::string body)> reply) = 0;
  /* A trickled candidate ("" = end of candidates) for @s. */
  virtual void on_webrtc_candidate (Session & s, int mline_index,
      const std::string & candidate) = 0;
  /* Whether @s may start as session @id (the authorize signal): at a
   * WebSocket's start, at a WebRTC offer. I/O thread: it must be quick. */
  virtual bool authorize (Session & s, const std::string & id)
  {
    return true;
  }
  /* @who names the session (its id, or the remote address before start). */
  virtual void on_protocol_warning (const std::string & who,
      const char *code, const std::string & detail) = 0;
  /* The server drains (Server::drain) and no session is left: each has
   * ended and on_session_ended () has returned for it. Once per server,
   * never while it stops; on the I/O thread that ended the last session,
   * or in drain ()'s caller when none was live. */
  virtual void on_drained ()
  {
  }
};

/* Per-session state a listener keeps on the session (server thread only). */
struct ListenerState
{
  virtual ~ListenerState () = default;
};

}  // namespace sessionctx
