/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "server.h"

#include "ioround.h"
#include "request.h"
#include "serverdebug.h"
#include "staticpages.h"
#include "tlscertificate.h"

#include <glib-unix.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {
namespace {

/* How long shutdown waits for clients to answer the close frame. */
constexpr gint64 kShutdownGraceUs = 1000 * 1000;
constexpr int kEventsPerWakeup = 256;

/* Registry of live servers, by "port:N" and "name:X". */
std::mutex registry_lock;
std::map<std::string, std::weak_ptr<Server>> registry;

std::string
port_key (guint port)
{
  return "port:" + std::to_string (port);
}

std::string
name_key (const std::string & name)
{
  return "name:" + name;
}

/* When a WebSocket upgrade request arrived (qdata on its message). */
GQuark
request_time_quark ()
{
  static GQuark q = g_quark_from_static_string ("sessionctx-request-time");
  return q;
}

}  // namespace

/* ------------------------------------------------------------------ */
/* Server: lifecycle and registry                                       */

Server::Server (const ServerConfig & config, ServerListener * listener)
    : config_ (config), listener_ (listener), access_ (config_),
    counting_ (listener, metrics_),
    dispatch_ (config_, listener_ ? &counting_ : nullptr, sessions_),
    signalling_ (*this)
{
}

Server::~Server ()
{
  g_clear_object (&tls_certificate_);
}

std::shared_ptr<Server>
Server::start (const ServerConfig & config, ServerListener * listener,
    GError ** error)
{
  server_debug_init ();
  if (config.port) {
    /* With SO_REUSEPORT (io-threads > 1) a second server would silently
     * share the port: refuse it, as bind() would without. */
    std::lock_guard < std::mutex > lock (registry_lock);
    auto it = registry.find (port_key (config.port));
    if (it != registry.end () && !it->second.expired ()) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
          "port %u is already served by another sessionsrc", config.port);
      return nullptr;
    }
  }
  if (!config.name.empty ()) {
    std::lock_guard < std::mutex > lock (registry_lock);
    auto it = registry.find (name_key (config.name));
    if (it != registry.end () && !it->second.expired ()) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
          "a server named \"%s\" is already running", config.name.c_str ());
      return nullptr;
    }
  }
  std::shared_ptr<Server> server (new Server (config, listener));
  if (config.tls_certificate_file.empty () != config.tls_key_file.empty ()) {
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
        "TLS needs both tls-certificate-file and tls-key-file; only %s is set",
        config.tls_key_file.empty ()? "tls-certificate-file" : "tls-key-file");
    return nullptr;
  }
  if (!config.tls_certificate_file.empty ()) {
    server->tls_certificate_ = tls_certificate_load
        (config.tls_certificate_file, config.tls_key_file, error);
    if (!server->tls_certificate_)
      return nullptr;
  }
  if (!server->bind_and_run (error))
    return nullptr;

  std::lock_guard < std::mutex > lock (registry_lock);
  registry[port_key (server->bound_port_)] = server;
  if (!config.name.empty ())
    registry[name_key (config.name)] = server;
  return server;
}

std::shared_ptr<Server>
Server::lookup (const std::string & name, guint port)
{
  std::lock_guard < std::mutex > lock (registry_lock);
  auto it = registry.find (name.empty ()? port_key (port) : name_key (name));
  return it == registry.end ()? nullptr : it->second.lock ();
}

std::shared_ptr<Session>
Server::find_session_anywhere (const std::string & id)
{
  std::vector<std::shared_ptr<Server>> servers;
  {
    std::lock_guard < std::mutex > lock (registry_lock);
    for (auto &[key, weak] : registry)
      if (auto s = weak.lock ())
        servers.push_back (std::move (s));
  }
  for (auto & s : servers)
    if (auto session = s->find_session (id))
      return session;
  return nullptr;
}

std::shared_ptr<Session>
Server::find_session (const std::string & id)
{
  return sessions_.find (id);
}

size_t
Server::n_sessions ()
{
  return sessions_.size ();
}

void
Server::peer_ended (const std::string & id)
{
  signalling_.remember_closed (id);
}

bool
Server::bind_and_run (GError ** error)
{
  /* The first thread binds (and learns the port when it was 0); the others
   * join it on the same port. */
  guint n = MAX (config_.io_threads, 1u);
  for (guint i = 0; i < n; i++) {
    auto io = std::make_unique<Thread> ();
    io->server = this;
    io->index = i;
    Thread *raw = io.get ();
    io_.push_back (std::move (io));
    raw->thread = g_thread_try_new ("sessionserver", [](gpointer data)->gpointer {
          auto *io = static_cast<Thread *> (data);
          io->server->thread_main (*io);
          return nullptr;
        }, raw, error);
    if (!raw->thread) {
      io_.pop_back ();
      stop ();
      return false;
    }
    g_mutex_lock (&raw->startup_mutex);
    while (!raw->startup_done)
      g_cond_wait (&raw->startup_cond, &raw->startup_mutex);
    g_mutex_unlock (&raw->startup_mutex);
    if (raw->startup_error) {
      g_propagate_error (error, raw->startup_error);
      raw->startup_error = nullptr;
      stop ();
      return false;
    }
  }
  return true;
}

void
Server::thread_main (Thread & io)
{
  g_main_context_push_thread_default (io.context);
  io.loop = g_main_loop_new (io.context, FALSE);

  GError *err = nullptr;
  io.soup = soup_server_new ("server-header", "gst-sessionctx ", NULL);
  guint port = io.index == 0 ? config_.port : bound_port_;
  guint bound = 0;
  io.socket = listen_socket (config_.address, port, io_.size () > 1 ||
      config_.io_threads > 1, &bound, &err);
  if (io.socket && io.index == 0)
    bound_port_ = bound;
  if (io.socket && config_.websocket) {
    soup_server_add_handler (io.soup, "/websocket/offer",
        on_websocket_request, &io, nullptr);
    soup_server_add_handler (io.soup, "/telephone/handler",
        on_websocket_request, &io, nullptr);
  }
  if (io.socket) {
    io.epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
    if (io.epoll_fd < 0) {
      g_set_error (&err, G_IO_ERROR, g_io_error_from_errno (errno),
          "epoll_create1: %s", g_strerror (errno));
      g_clear_object (&io.socket);
    }
  }
  if (io.socket && config_.webrtc)
    soup_server_add_handler (io.soup, "/webrtc/offer", on_http_offer, &io,
        nullptr);
  if (io.socket && !config_.demo_page_resource.empty ())
    static_pages_mount (io.soup, config_.demo_page_resource, access_,
        metrics_);
  if (io.socket && config_.metrics)
    soup_server_add_handler (io.soup, "/metrics", on_metrics_request, &io,
        nullptr);
  /* Not soup_server_listen_socket (): libsoup 3.2.3's listener leaks
   * per accepted connection. */
  if (io.socket)
    io.acceptor = std::make_unique<Acceptor> (io.context, io.soup, io.socket,
        tls_certificate_, config_.handshake_timeout);

  g_mutex_lock (&io.startup_mutex);
  io.startup_error = err;
  io.startup_done = true;
  g_cond_signal (&io.startup_cond);
  g_mutex_unlock (&io.startup_mutex);

  if (io.socket) {
    GST_INFO ("I/O thread %u listening on %s:%u", io.index,
        config_.address.c_str (), bound_port_);
    io.epoll_source = g_unix_fd_source_new (io.epoll_fd, G_IO_IN);
    g_source_set_callback (io.epoll_source, (GSourceFunc) (void (*)(void))
        on_epoll, &io, nullptr);
    g_source_attach (io.epoll_source, io.context);
    /* Millisecond timing, not g_timeout_source_new_seconds (): that one
     * may fire anywhere in its second and slips a whole second when late,
     * so a time-limit or idle close could come up to 2 s late. */
    GSource *tick = g_timeout_source_new (1000);
    g_source_set_callback (tick, on_tick, &io, nullptr);
    g_source_attach (tick, io.context);
    g_main_loop_run (io.loop);
    g_source_destroy (tick);
    g_source_unref (tick);
    shutdown_connections (io);
    soup_server_disconnect (io.soup);
    io.acceptor.reset ();
    g_source_destroy (io.epoll_source);
    g_clear_pointer (&io.epoll_source, g_source_unref);
  }
  if (io.epoll_fd >= 0)
    close (io.epoll_fd);
  io.epoll_fd = -1;

  g_clear_object (&io.socket);
  g_clear_object (&io.soup);
  /* Run what is still queued (flushes of sessions that are gone). */
  while (g_main_context_iteration (io.context, FALSE)) {
  }
  g_main_loop_unref (io.loop);
  io.loop = nullptr;
  g_main_context_pop_thread_default (io.context);
}

void
Server::shutdown_connections (IoThread & io)
{
  std::vector<std::shared_ptr<Session>> all;
  for (auto &[ptr, s] : io.connections)
    all.push_back (s);
  for (auto & s : all)
    s->close (GST_SESSION_END_REASON_SHUTDOWN, ws::kCloseGoingAway,
        "server shutting down");

  /* Let clients answer the close frame so sockets close cleanly. */
  gint64 deadline = g_get_monotonic_time () + kShutdownGraceUs;
  GSource *wake = g_timeout_source_new (20);
  g_source_set_callback (wake, [](gpointer)->gboolean {
        return G_SOURCE_CONTINUE;
      }, nullptr, nullptr);
  g_source_attach (wake, io.context);
  while (!io.connections.empty () && g_get_monotonic_time () < deadline)
    g_main_context_iteration (io.context, TRUE);
  g_source_destroy (wake);
  g_source_unref (wake);

  while (!io.connections.empty ())
    io.connections.begin ()->second->forget ();
}

void
Server::stop ()
{
  for (auto & io : io_) {
    if (!io->thread)
      continue;
    io->invoke ([](gpointer data)->gboolean {
          auto *io = static_cast<IoThread *> (data);
          if (io->loop)
            g_main_loop_quit (io->loop);
          return G_SOURCE_REMOVE;
        }, io.get (), nullptr);
  }
  for (auto & io : io_) {
    if (io->thread)
      g_thread_join (io->thread);
    io->thread = nullptr;
  }
  std::lock_guard < std::mutex > lock (registry_lock);
  for (auto it = registry.begin (); it != registry.end ();) {
    auto s = it->second.lock ();
    if (!s || s.get () == this)
      it = registry.erase (it);
    else
      ++it;
  }
}

/* ------------------------------------------------------------------ */
/* Server thread: connections                                           */

/* A request on a WebSocket path: libsoup checks the handshake and answers
 * 101 (or 400); once the 101 is written the connection is ours. */
void
Server::on_websocket_request (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  auto *io = static_cast<Thread *> (user_data);
  if (refuse_request (io->server->access_, msg, io->server->metrics_))
    return;
  /* No extension is negotiated: frames arrive as clients wrote them. */
  if (!soup_websocket_server_process_handshake (msg, nullptr, nullptr,
          nullptr, nullptr))
    return;
  auto *received = g_new (gint64, 1);
  *received = g_get_monotonic_time ();
  g_object_set_qdata_full (G_OBJECT (msg), request_time_quark (), received,
      g_free);
  g_signal_connect (msg, "wrote-informational",
      G_CALLBACK (on_websocket_upgraded), user_data);
}

void
Server::on_websocket_upgraded (SoupServerMessage * msg, gpointer user_data)
{
  auto *io = static_cast<Thread *> (user_data);
  Server *self = io->server;
  if (auto *received = static_cast<gint64 *> (g_object_get_qdata (G_OBJECT
              (msg), request_time_quark ())))
    self->metrics_.websocket_handshake.observe ((g_get_monotonic_time () -
            *received) / 1e6);
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  GstSessionDialect dialect = g_str_has_prefix (path, "/telephone/handler") ?
      GST_SESSION_DIALECT_TWILIO : GST_SESSION_DIALECT_FASTRTC;
  ClientAddress client = client_address_of (self->access_, msg);
  const std::string & remote = client.remote;
  GstStructure *meta = request_metadata (msg, path,
      !self->config_.auth_token.empty ());

  io->acceptor->forget (msg);
  GIOStream *stream = soup_server_message_steal_connection (msg);
  GIOStream *tls = nullptr;
  GSocket *socket = stream ? Acceptor::socket_of (stream, &tls) : nullptr;
  if (!socket) {
    GST_WARNING ("libsoup handed over no socket for %s", remote.c_str ());
    g_clear_object (&stream);
    gst_structure_free (meta);
    return;
  }
  SessionHost & host = *self;
  auto session = std::make_shared<Session> (host, *io,
      GST_SESSION_TRANSPORT_WEBSOCKET, dialect, remote, meta);
  session->set_address (client.ip);
  if (!session->adopt_connection (stream, socket, tls)) {
    GST_WARNING ("epoll_ctl: %s", g_strerror (errno));
    return;
  }
  io->connections.emplace (session.get (), session);
  /* TLS may hold decrypted bytes already that epoll will never announce. */
  if (tls)
    self->dispatch_.read (*session);
  GST_DEBUG ("WebSocket connection on %s from %s", path, remote.c_str ());
}

/* GET /metrics: the Prometheus text exposition, from atomics (the only
 * lock taken is the protocol-error table's, a leaf). */
void
Server::on_metrics_request (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  auto *io = static_cast<Thread *> (user_data);
  if (refuse_request (io->server->access_, msg, io->server->metrics_))
    return;
  const char *method = soup_server_message_get_method (msg);
  if (g_strcmp0 (path, "/metrics") != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, nullptr);
    return;
  }
  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "HEAD") != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
        nullptr);
    return;
  }
  std::string text = io->server->metrics_.render ();
  soup_server_message_set_status (msg, SOUP_STATUS_OK, nullptr);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4",
      SOUP_MEMORY_COPY, text.data (), text.size ());
}

gboolean
Server::on_epoll (gint fd, GIOCondition cond, gpointer user_data)
{
  auto *io = static_cast<Thread *> (user_data);
  struct epoll_event events[kEventsPerWakeup];
  int n = epoll_wait (io->epoll_fd, events, kEventsPerWakeup, 0);
  /* Consumers woken by what this wakeup reads are woken once, at its end. */
  IoRound round;
  /* Sessions are dropped from connections only by an idle callback
   * (forget_later): every pointer stays valid through this loop. */
  for (int i = 0; i < n; i++) {
    auto *s = static_cast<Session *> (events[i].data.ptr);
    if ((events[i].events & EPOLLOUT) && s->connection ().flush ())
      s->drop_connection ();
    if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
      io->server->dispatch_.read (*s);
  }
  return G_SOURCE_CONTINUE;
}

gboolean
Server::on_tick (gpointer user_data)
{
  auto *io = static_cast<Thread *> (user_data);
  Server *self = io->server;
  const gint64 now = g_get_monotonic_time ();
  std::vector<std::pair<std::shared_ptr<Session>, GstSessionEndReason>> due;
  std::vector<std::shared_ptr<Session>> unanswered, drained;
  for (auto &[ptr, s] : io->connections) {
    GstSessionEndReason reason;
    if (s->connection ().close_overdue (now))
      unanswered.push_back (s);
    if (s->drain_overdue (now))
      drained.push_back (s);
    if (s->due (self->config_, now, &reason))
      due.emplace_back (s, reason);
  }
  for (auto &[s, reason] : due)
    s->close (reason, ws::kCloseNormal,
        gst_session_end_reason_to_string (reason));
  for (auto & s : unanswered)
    s->drop_connection ();
  for (auto & s : drained)
    s->finish_drain ();

  io->acceptor->expire (now);
  if (io->index == 0)
    self->signalling_.expire (now);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* WebRTC: HTTP signalling and session lifecycle                        */

void
Server::on_http_offer (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  auto *io = static_cast<Thread *> (user_data);
  Server *self = io->server;
  self->signalling_.handle_request (*io, msg, self->weak_from_this ());
}

void
Server::start_session (const std::shared_ptr<Session> & session,
    const std::string & remote_address)
{
  session->io ().invoke ([this, session, remote_address] {
        if (session->start_peer (remote_address) && listener_)
          listener_->on_session_started (session);
      });
}

void
Server::end_session_async (const std::shared_ptr<Session> & session,
    GstSessionEndReason reason)
{
  session->io ().invoke ([session, reason] {
        if (!session->ended ())
          session->close (reason, ws::kCloseNormal,
              gst_session_end_reason_to_string (reason));
      });
}

void
Server::abandon_session (const std::shared_ptr<Session> & session)
{
  session->abandon ();
}

}  // namespace sessionctx
