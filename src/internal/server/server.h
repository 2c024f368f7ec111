/* The shared WebSocket server: one libsoup SoupServer per address/port on
 * its own I/O threads and GMainContexts, shared by sessionsrc (which
 * receives) and sessionsink (which sends back) through a process-wide
 * registry. Its rooms: iothread (threads, listening), session (one
 * client's session, its connection), dispatch (WebSocket messages),
 * signalling (WebRTC over HTTP).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "io/acceptor.h"
#include "http/access.h"
#include "http/twilio.h"
#include "session/dispatch.h"
#include "io/iothread.h"
#include "core/listener.h"
#include "core/metrics.h"
#include "core/serverconfig.h"
#include "session/session.h"
#include "session/signalling.h"
#include "http/sessionapi.h"
#include "server/localsessions.h"
#include "cluster/clusterlink.h"
#include "cluster/clustersessions.h"
#include "cluster/forwarder.h"

#include <gst/sessionctx/sessionctx.h>
#include <libsoup/soup.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sessionctx {

/* An upgraded connection on its way to its I/O thread
 * (serverhandshake.cpp). */
struct Handover;

class Server : public std::enable_shared_from_this<Server>,
    private SessionHost
{
public:
  /* Binds, starts the server thread and registers the server. */
  static std::shared_ptr<Server> start (const ServerConfig & config,
      ServerListener * listener, GError ** error);
  /* Ends every session (reason shutdown), closes sockets with 1001, stops
   * the thread and unregisters. Blocking; call from an application thread. */
  void stop ();

  /* Registry: by name when @name is non-empty, else by port. */
  static std::shared_ptr<Server> lookup (const std::string & name,
      guint port);
  /* A live session with @id on any registered server. */
  static std::shared_ptr<Session> find_session_anywhere (const std::string &
      id);

  ~Server ();
  guint port () const { return bound_port_; }
  const ServerConfig & config () const override { return config_; }
  std::shared_ptr<Session> find_session (const std::string & id);
  size_t n_sessions ();
  /* Any thread, never waiting on an I/O thread: the counters, and the
   * live sessions (copied under the session table's lock). */
  Metrics & metrics () override { return metrics_; }
  Access & access () override { return access_; }
  std::vector<std::pair<std::string, std::shared_ptr<Session>>>
      sessions_snapshot ()
  {
    return sessions_.snapshot ();
  }

  /* WebRTC sessions, from any thread: the peer connected (publish the
   * session with the selected pair's remote address), or ended. */
  void start_session (const std::shared_ptr<Session> & s,
      const std::string & remote_address);
  void end_session_async (const std::shared_ptr<Session> & s,
      GstSessionEndReason reason);
  /* A WebRTC session whose offer failed: forget it, no session-ended. */
  void abandon_session (const std::shared_ptr<Session> & s);

  /* serverdrain.cpp. Any thread. From now on no new session: WebSocket
   * upgrades and WebRTC offers get HTTP 503 `draining` (Retry-After), a
   * WebSocket upgraded before whose start comes now is refused (close
   * 1001); /readyz answers 503 `draining`. Live sessions go on; once
   * @timeout_s seconds (0: no limit) have passed, each I/O thread closes
   * its connections at its next tick (reason shutdown, 1001 "server
   * draining"). The listener's on_drained () follows when no session is
   * left, at once when none is live. A second call changes nothing. */
  void drain (guint timeout_s);
  bool draining () const
  {
    return draining_.load (std::memory_order_acquire);
  }

private:
  /* An I/O thread of this server, or the handshake thread that accepts
   * for it, as their callbacks see them. */
  struct Thread : IoThread
  {
    Server *server = nullptr;
    /* Handshake thread: its listening socket's. */
    std::unique_ptr<Acceptor> acceptor;
    /* Handshake thread: the I/O thread its upgraded connections go to. */
    Thread *media = nullptr;
    /* I/O thread: the thread that accepts and upgrades for it. */
    std::unique_ptr<Thread> handshake;
    /* I/O thread: upgraded connections its handshake thread handed over,
     * not adopted yet (one wakeup takes all that are waiting). */
    std::mutex handover_lock;
    std::vector<std::shared_ptr<Handover>> handovers;
  };

  Server (const ServerConfig & config, ServerListener * listener);
  bool bind_and_run (GError ** error);
  void thread_main (Thread & io);
  /* serverhandshake.cpp: the handshake thread. */
  bool start_thread (Thread & t, const char *name, GError ** error);
  void handshake_main (Thread & hs);
  static gboolean on_handshake_tick (gpointer user_data);
  static gboolean on_handovers (gpointer user_data);
  bool adopt_handovers (Thread & io);
  void shutdown_connections (Thread & io);

  static void on_websocket_request (SoupServer * soup,
      SoupServerMessage * msg, const char *path, GHashTable * query,
      gpointer user_data);
  static void on_websocket_upgraded (SoupServerMessage * msg,
      gpointer user_data);
  static void on_http_offer (SoupServer * soup, SoupServerMessage * msg,
      const char *path, GHashTable * query, gpointer user_data);
  static void on_metrics_request (SoupServer * soup,
      SoupServerMessage * msg, const char *path, GHashTable * query,
      gpointer user_data);
  static gboolean on_epoll (gint fd, GIOCondition cond, gpointer user_data);
  static gboolean on_tick (gpointer user_data);
  /* serverdrain.cpp: GET/HEAD /healthz and /readyz. */
  static void on_health_request (SoupServer * soup, SoupServerMessage * msg,
      const char *path, GHashTable * query, gpointer user_data);
  /* servertelephone.cpp: Twilio's incoming-call webhook,
   * /telephone/incoming. */
  static void on_telephone_incoming (SoupServer * soup,
      SoupServerMessage * msg, const char *path, GHashTable * query,
      gpointer user_data);
  /* servercluster.cpp: with a directory configured, the link to it,
   * the forwarder and the API's cluster directory (before serving);
   * false with @error when the directory cannot be used. */
  bool start_cluster (GError ** error);
  /* The forwarder first (while the handshake threads still answer), the
   * link last (once the sessions have ended). */
  void stop_forwarder ();
  void stop_link ();
  /* On the link's thread: @id is another instance's; this one's session
   * ends like a duplicate. */
  void end_duplicate (const std::string & id);
  std::vector<std::pair<std::string, std::string>> sessions_json (const
      std::unordered_set<std::string> * only);
  /* serverdrain.cpp: past drain ()'s deadline at @now. */
  bool drain_overdue (gint64 now) const;
  /* On @io: every connection it serves closes (the drain's deadline). */
  void close_for_drain (Thread & io);
  /* on_drained () once, when draining with no session live or leaving. */
  void check_drained ();

  /* SessionHost */
  ServerListener *listener () const override
  {
    return listener_ ? &counting_ : nullptr;
  }
  SessionTable & sessions () override { return sessions_; }
  void peer_ended (const std::string & id) override;
  void session_leaving (bool begins) override;

  ServerConfig config_;
  ServerListener *listener_;
  guint bound_port_ = 0;
  GTlsCertificate *tls_certificate_ = nullptr;  /* NULL: plain TCP */
  Metrics metrics_;
  Access access_;               /* the config's access rules */
  TwilioGate twilio_;           /* Twilio's: signatures, its URLs */
  mutable CountingListener counting_;   /* listener_, counting protocol errors */

  std::vector<std::unique_ptr<Thread>> io_;
  SessionTable sessions_;

  /* The drain (serverdrain.cpp). */
  std::atomic<bool> draining_ { false };
  std::atomic<gint64> drain_deadline_us_ { 0 };        /* 0: none */
  std::atomic<int> leaving_ { 0 };      /* sessions between their removal
                                         * and their listener call's end */
  std::atomic<bool> drained_ { false }; /* on_drained () called, or stopping */
  WebSocketDispatch dispatch_;
  Signalling signalling_;
  /* The session API (/sessions, with an api-token): its handlers, and
   * where its sessions come from (this server's table). */
  LocalSessions directory_;
  SessionApi api_;
  /* With a directory (servercluster.cpp); else NULL. */
  std::unique_ptr<ClusterLink> link_;
  std::unique_ptr<Forwarder> forwarder_;
  std::unique_ptr<ClusterSessions> cluster_;
};

}  // namespace sessionctx
