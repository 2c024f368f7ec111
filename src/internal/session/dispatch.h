/* What a WebSocket client's messages do, in either dialect (FastRTC,
 * Twilio): start, media (JSON or binary frames), binary_media, marks,
 * DTMF, stop, and the errors for everything else.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/listener.h"
#include "wire/protocol.h"
#include "core/serverconfig.h"
#include "session/session.h"

namespace sessionctx {

class WebSocketDispatch
{
public:
  WebSocketDispatch (const ServerConfig & config, ServerListener * listener,
      SessionTable & sessions)
      : config_ (config), listener_ (listener), sessions_ (sessions)
  {
  }

  /* Reads what @s's socket has and handles every message in it (server
   * thread). */
  void read (Session & s);

private:
  class Reading;

  void handle_text (Session & s, const char *data, size_t len);
  void handle_binary (Session & s, const uint8_t * data, size_t len);
  void handle_start (Session & s, ClientMessage & msg);
  void refuse_draining (Session & s);
  void deliver_media (Session & s, Encoding encoding, const uint8_t * data,
      size_t len);

  const ServerConfig & config_;
  ServerListener *const listener_;
  SessionTable & sessions_;
};

}  // namespace sessionctx
