/* What a shared server is asked to do: address, limits, timeouts, rates.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <cstddef>
#include <string>

namespace sessionctx {

/* How the server's threads are scheduled (threadpolicy.h). */
enum class ThreadPolicy
{
  batch,                        /* I/O threads SCHED_BATCH, handshake threads
                                 * at nice 10 */
  normal,                       /* both as they were created */
};

struct ServerConfig
{
  std::string address = "0.0.0.0";
  guint port = 0;               /* 0: pick a free port */
  std::string name;             /* optional registry name */
  guint max_sessions = 0;       /* 0: unlimited */
  guint time_limit = 0;         /* seconds, 0: none */
  guint idle_timeout = 0;       /* seconds without media, 0: none */
  guint64 max_message_size = 0; /* bytes per WebSocket message, 0: 128 KiB */
  int websocket_input_rate = 48000;
  int websocket_output_rate = 24000;
  bool websocket = true;        /* mount /websocket/offer, /telephone/handler,
                                 * /telephone/incoming */
  bool webrtc = true;           /* mount /webrtc/offer */
  bool metrics = true;          /* mount /metrics (Prometheus) */
  guint connect_timeout = 30;   /* seconds for a WebRTC peer to connect */
  guint peer_timeout = 10;      /* seconds without RTP: the peer is gone */
  guint io_threads = 1;         /* I/O threads sharing the port */
  size_t max_send_queue = 4 << 20;      /* bytes a client has not read */
  /* GResource path of the page served at `/` (index.html, assets under
   * `/demo/`); empty: no page, `/` is 404. */
  std::string demo_page_resource;
  /* Access control (access.h). */
  std::string auth_token;       /* empty: no token asked */
  /* The session API's own token (/sessions); empty: the API is off. */
  std::string api_token;
  std::string allowed_origins;  /* comma-separated; empty: any */
  guint max_sessions_per_address = 0;   /* 0: unlimited */
  std::string trusted_proxies;  /* comma-separated IPs */
  /* Twilio (http/twilio.h): the account's auth token, which signs its
   * requests (empty: signatures are not checked), and the URL clients
   * reach the server at (empty: the request's own, publicurl.h). */
  std::string twilio_auth_token;
  std::string public_url;
  /* PEM files; both set: the port speaks only TLS (https, wss). */
  std::string tls_certificate_file;
  std::string tls_key_file;
  /* Seconds a connection has to send a whole HTTP request (from its
   * accept, or from the end of its previous response) and, once
   * upgraded, its WebSocket start; 0: no limit. */
  guint handshake_timeout = 10;
  ThreadPolicy thread_policy = ThreadPolicy::batch;
  /* Seconds live sessions get after a drain before they are closed; 0:
   * no limit (the element passes it to Server::drain). */
  guint drain_timeout = 25;
  /* The cluster directory (cluster/clusterlink.h): Redis at
   * `redis://host:port[/db]`; empty: none (this instance alone). With
   * it, the URL the other instances reach this one at (its session API). */
  std::string directory;
  std::string instance_url;
};

}  // namespace sessionctx
