/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "server/server.h"

#include "io/ioround.h"
#include "io/threadpolicy.h"
#include "io/threadtypes.h"
#include "http/request.h"
#include "core/serverdebug.h"
#include "http/publicurl.h"
#include "http/staticpages.h"
#include "io/tlscertificate.h"

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
/* Reads of connections not started yet, per wakeup (see on_epoll). */
constexpr int kStartsPerWakeup = 8;

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

}  // namespace

/* ------------------------------------------------------------------ */
/* Server: lifecycle and registry                                       */

Server::Server (const ServerConfig & config, ServerListener * listener)
    : config_ (config), listener_ (listener), access_ (config_),
    twilio_ (config_),
    counting_ (listener, metrics_),
    dispatch_ (config_, listener_ ? &counting_ : nullptr, sessions_),
    signalling_ (*this), directory_ (*this),
    api_ (access_, metrics_, directory_)
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
  /* Before any of its threads starts (io/threadtypes.h). */
  ensure_thread_types ();
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
  PublicUrl public_url;
  if (!parse_public_url (config.public_url, &public_url)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "public-url \"%s\" is not an http:// or https:// URL "
        "(scheme://host[:port][/path], no query)", config.public_url.c_str ());
    return nullptr;
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
  if (!server->start_cluster (error) || !server->bind_and_run (error))
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
  /* Each I/O thread has its handshake thread, which listens: the first
   * binds (and learns the port when it was 0); the others join it on the
   * same port. */
  guint n = MAX (config_.io_threads, 1u);
  for (guint i = 0; i < n; i++) {
    auto io = std::make_unique<Thread> ();
    io->server = this;
    io->index = i;
    Thread *raw = io.get ();
    io_.push_back (std::move (io));
    if (!start_thread (*raw, "sessionserver", error)) {
      stop ();
      return false;
    }
    raw->handshake = std::make_unique<Thread> ();
    raw->handshake->server = this;
    raw->handshake->index = i;
    raw->handshake->media = raw;
    if (!start_thread (*raw->handshake, "sessionaccept", error)) {
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

  /* threadpolicy.h: media read here never preempts the streaming
   * thread mid-push (docs/PERFORMANCE.md, "Issue 13: against the floor",
   * item 2). thread-policy=normal leaves the thread as created. */
  if (config_.thread_policy == ThreadPolicy::batch && !set_batch_policy (true))
    GST_WARNING ("I/O thread %u keeps SCHED_OTHER: %s", io.index,
        g_strerror (errno));

  GError *err = nullptr;
  io.epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (io.epoll_fd < 0)
    g_set_error (&err, G_IO_ERROR, g_io_error_from_errno (errno),
        "epoll_create1: %s", g_strerror (errno));

  g_mutex_lock (&io.startup_mutex);
  io.startup_error = err;
  io.startup_done = true;
  g_cond_signal (&io.startup_cond);
  g_mutex_unlock (&io.startup_mutex);

  if (io.epoll_fd >= 0) {
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
    g_source_destroy (io.epoll_source);
    g_clear_pointer (&io.epoll_source, g_source_unref);
  }
  if (io.epoll_fd >= 0)
    close (io.epoll_fd);
  io.epoll_fd = -1;

  /* Run what is still queued (flushes of sessions that are gone). */
  while (g_main_context_iteration (io.context, FALSE)) {
  }
  g_main_loop_unref (io.loop);
  io.loop = nullptr;
  g_main_context_pop_thread_default (io.context);
}

void
Server::shutdown_connections (Thread & io)
{
  /* Connections handed over and not adopted yet close like the others. */
  while (adopt_handovers (io)) {
  }
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
  /* No on_drained () while stopping: the sessions stop () ends are not a
   * drain completing (and the element's state lock is held now). */
  drained_.store (true);
  stop_forwarder ();
  /* Handshake threads first: every connection they handed over is queued
   * on its I/O thread before that thread is asked to quit. */
  std::vector<Thread *> handshakes, ios;
  for (auto & io : io_) {
    if (io->handshake)
      handshakes.push_back (io->handshake.get ());
    ios.push_back (io.get ());
  }
  for (auto *group : {&handshakes, &ios}) {
    for (Thread *t : *group) {
      if (!t->thread)
        continue;
      t->invoke ([](gpointer data)->gboolean {
            auto *io = static_cast<IoThread *> (data);
            if (io->loop)
              g_main_loop_quit (io->loop);
            return G_SOURCE_REMOVE;
          }, t, nullptr);
    }
    for (Thread *t : *group) {
      if (t->thread)
        g_thread_join (t->thread);
      t->thread = nullptr;
    }
  }
  stop_link ();
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
  /* Connections that have not started yet are read at most
   * kStartsPerWakeup per wakeup: a burst of connects then costs each
   * wakeup a few starts, not fifty, and the live sessions' media read in
   * it goes out without waiting for them. Those left are ready again at
   * the next epoll_wait (level-triggered, behind what was ready before). */
  int starts = 0;
  /* Sessions are dropped from connections only by an idle callback
   * (forget_later): every pointer stays valid through this loop. */
  for (int i = 0; i < n; i++) {
    auto *s = static_cast<Session *> (events[i].data.ptr);
    if ((events[i].events & EPOLLOUT) && s->connection ().flush ())
      s->drop_connection ();
    if (!(events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
      continue;
    if (!s->started () && ++starts > kStartsPerWakeup)
      continue;
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
  if (self->drain_overdue (now))
    self->close_for_drain (*io);

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
  auto *hs = static_cast<Thread *> (user_data);
  Server *self = hs->server;
  self->signalling_.handle_request (*hs->media, *hs, msg,
      self->weak_from_this ());
}

void
Server::start_session (const std::shared_ptr<Session> & session,
    const std::string & remote_address)
{
  session->io ().invoke ([this, session, remote_address] {
        NormalPolicy normal;    /* threads it starts: not batch */
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
