/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "server.h"

#include "base64.h"
#include "mulaw.h"

#include <libsoup/soup.h>

#include <glib-unix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <map>

GST_DEBUG_CATEGORY_STATIC (server_debug);
#define GST_CAT_DEFAULT server_debug

namespace sessionctx {
namespace {

/* Warnings per connection before the rest are only logged. */
constexpr guint kMaxWarningsPerConnection = 20;
/* Candidates held for an offer that has not come (yet): how long, how
 * many per id, how many ids. */
constexpr gint64 kHoldCandidatesUs = 5 * G_USEC_PER_SEC;
constexpr size_t kMaxHeldPerId = 64;
constexpr size_t kMaxHeldIds = 1024;
/* How long an ended WebRTC id answers connection_closed. */
constexpr gint64 kRememberClosedUs = 60 * G_USEC_PER_SEC;
/* How long shutdown waits for clients to answer the close frame. */
constexpr gint64 kShutdownGraceUs = 1000 * 1000;
/* After our close frame, how long a client has to answer it before the
 * TCP connection is dropped. */
constexpr gint64 kCloseWaitUs = 2 * G_USEC_PER_SEC;
/* Default max-message-size (libsoup's default). */
constexpr size_t kDefaultMaxMessage = 128 * 1024;
/* First size of a connection's read buffer; it grows to the largest
 * frame seen. */
constexpr size_t kReadBuffer = 4096;
/* Reads per connection and wakeup (level-triggered: the rest is read on
 * the next one), so one busy client cannot hold the thread. */
constexpr int kReadsPerWakeup = 4;
constexpr int kEventsPerWakeup = 256;

void
init_debug ()
{
  static gsize once = 0;
  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (server_debug, "sessionserver", 0,
        "gst-sessionctx shared WebSocket server");
    g_once_init_leave (&once, 1);
  }
}

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

/* Contexts lead back to their Session through qdata (a weak reference, so a
 * context kept alive downstream never keeps a session alive). */
GQuark
session_quark ()
{
  static GQuark q = g_quark_from_static_string ("gst-sessionctx-session");
  return q;
}

void
free_weak_session (gpointer data)
{
  delete static_cast<std::weak_ptr<Session> *> (data);
}

void
set_field_from_params (GstStructure * s, GHashTable * params)
{
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, params);
  while (g_hash_table_iter_next (&iter, &key, &value))
    gst_structure_set (s, field_name_from_key ((const char *) key).c_str (),
        G_TYPE_STRING, (const char *) value, NULL);
}

}  // namespace

/* ------------------------------------------------------------------ */
/* Session                                                             */

Session::Session (Server & server, IoThread & io,
    GstSessionTransport transport, GstSessionDialect dialect,
    std::string remote, GstStructure * request_metadata)
    : server_ (server), io_ (io), transport_ (transport), dialect_ (dialect),
    remote_ (std::move (remote)), request_metadata_ (request_metadata)
{
  opened_us_ = g_get_monotonic_time ();
}

Session::~Session ()
{
  if (stream_)
    g_object_unref (stream_);
  if (context_)
    g_object_unref (context_);
  if (request_metadata_)
    gst_structure_free (request_metadata_);
}

GstSessionStats
Session::stats () const
{
  GstSessionStats st;
  st.frames = frames_.load ();
  st.bytes = bytes_.load ();
  gint64 end = ended_us_.load ();
  if (!end)
    end = g_get_monotonic_time ();
  st.duration = started_us_ ? (end - started_us_) * GST_USECOND : 0;
  return st;
}

bool
Session::send_frame (uint8_t op, const void *data, size_t len, bool media)
{
  std::lock_guard < std::mutex > lock (outbox_lock_);
  if (!is_open ())
    return false;
  return write_frame_locked (op, data, len, media);
}

bool
Session::write_frame_locked (uint8_t op, const void *data, size_t len,
    bool media)
{
  if (fd_ < 0 || close_sent_ || overflowed_)
    return false;
  uint8_t header[ws::kMaxHeader];
  size_t hlen = ws::frame_header (op, len, header);
  size_t written = 0;
  if (outbox_.empty ()) {
    /* The common case: the socket takes the frame now, from this thread,
     * without a copy or a wakeup of the server thread. */
    struct iovec iov[2] = {
      {header, hlen},
      {const_cast<void *> (data), len},
    };
    struct msghdr mh = { };
    mh.msg_iov = iov;
    mh.msg_iovlen = 2;
    ssize_t n = sendmsg (fd_, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == (ssize_t) (hlen + len))
      return true;
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return false;           /* gone: the server thread will see it */
      n = 0;
    }
    written = (size_t) n;
  }
  Outgoing item;
  item.bytes.reserve (hlen + len);
  item.bytes.append (reinterpret_cast<const char *> (header), hlen);
  item.bytes.append (static_cast<const char *> (data), len);
  item.media = media;
  if (outbox_.empty ())
    out_offset_ = written;
  out_bytes_ += hlen + len - written;
  outbox_.push_back (std::move (item));
  want_write_locked (true);
  if (out_bytes_ > server_.config_.max_send_queue) {
    overflowed_ = true;
    io_.invoke ([weak = weak_from_this ()] {
          if (auto s = weak.lock ())
            s->server_.drop_overflowed (*s);
        });
  }
  return true;
}

void
Session::flush_locked ()
{
  while (fd_ >= 0 && !outbox_.empty ()) {
    struct iovec iov[32];
    int n_iov = 0;
    for (auto it = outbox_.begin (); it != outbox_.end () && n_iov < 32;
        ++it, n_iov++) {
      size_t skip = n_iov == 0 ? out_offset_ : 0;
      iov[n_iov].iov_base = it->bytes.data () + skip;
      iov[n_iov].iov_len = it->bytes.size () - skip;
    }
    struct msghdr mh = { };
    mh.msg_iov = iov;
    mh.msg_iovlen = n_iov;
    ssize_t n = sendmsg (fd_, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        outbox_.clear ();       /* gone: reading will tell */
        out_offset_ = out_bytes_ = 0;
      }
      break;
    }
    out_bytes_ -= (size_t) n;
    size_t left = (size_t) n;
    while (left > 0) {
      size_t rest = outbox_.front ().bytes.size () - out_offset_;
      if (left < rest) {
        out_offset_ += left;
        break;
      }
      left -= rest;
      outbox_.pop_front ();
      out_offset_ = 0;
    }
  }
  want_write_locked (!outbox_.empty ());
}

void
Session::close_socket_locked ()
{
  if (fd_ >= 0) {
    /* Explicitly: libsoup's GSocket may share the file description. */
    epoll_ctl (io_.epoll_fd, EPOLL_CTL_DEL, fd_, nullptr);
    g_socket_close (socket_, nullptr);
    fd_ = -1;
  }
  outbox_.clear ();
  out_offset_ = out_bytes_ = 0;
}

bool
Session::closed_both_ways_locked () const
{
  return close_sent_ && close_received_ && outbox_.empty ();
}

void
Session::want_write_locked (bool want)
{
  if (want == write_armed_ || fd_ < 0)
    return;
  struct epoll_event ev = { };
  ev.events = want ? (uint32_t) (EPOLLIN | EPOLLOUT) : (uint32_t) EPOLLIN;
  ev.data.ptr = this;
  epoll_ctl (io_.epoll_fd, EPOLL_CTL_MOD, fd_, &ev);
  write_armed_ = want;
}

bool
Session::send_audio (const int16_t * pcm, size_t n)
{
  /* One buffer per sending thread, reused: no allocation per frame. */
  thread_local std::string text;
  thread_local std::vector<uint8_t> bytes;
  for (;;) {
    /* Encoded outside the lock; written only if the client did not switch
     * to or between binary encodings meanwhile, so that nothing encoded
     * the old way follows the binary_media answer. */
    const int mode = binary_.load (std::memory_order_acquire);
    const void *data;
    size_t len;
    uint8_t op = ws::kBinary;
    if (mode == (int) Encoding::s16le && G_BYTE_ORDER == G_LITTLE_ENDIAN) {
      data = pcm;
      len = n * 2;
    } else if (mode == (int) Encoding::s16le) {
      bytes.resize (n * 2);
      for (size_t i = 0; i < n; i++)
        GST_WRITE_UINT16_LE (bytes.data () + 2 * i, (uint16_t) pcm[i]);
      data = bytes.data ();
      len = n * 2;
    } else {
      bytes.resize (n);
      mulaw_encode_block (pcm, n, bytes.data ());
      data = bytes.data ();
      len = n;
      if (mode < 0) {
        text.assign (media_prefix_);
        base64_encode_append (bytes.data (), n, text);
        text += kMediaMessageSuffix;
        op = ws::kText;
        data = text.data ();
        len = text.size ();
      }
    }
    std::lock_guard < std::mutex > lock (outbox_lock_);
    if (!is_open ())
      return false;
    if (binary_.load (std::memory_order_relaxed) != mode)
      continue;
    return write_frame_locked (op, data, len, true);
  }
}

bool
Session::send_text (std::string text)
{
  if (transport_ == GST_SESSION_TRANSPORT_WEBRTC)
    return is_open () && text_sender && text_sender (text);
  return send_frame (ws::kText, text.data (), text.size (), false);
}

bool
Session::send_pcm (const int16_t * pcm, size_t len)
{
  return is_open () && pcm_sender && pcm_sender (pcm, len);
}

bool
Session::send_mark (const std::string & name)
{
  std::string text = mark_message (dialect_, id_, name);
  return send_frame (ws::kText, text.data (), text.size (), false);
}

bool
Session::clear ()
{
  std::lock_guard < std::mutex > lock (outbox_lock_);
  if (!is_open ())
    return false;
  /* Media the socket has not taken goes; a frame partly written stays
   * first (the client would see a broken frame otherwise), so out_offset_
   * still holds. */
  auto first = outbox_.begin () + (out_offset_ > 0 ? 1 : 0);
  outbox_.erase (std::remove_if (first, outbox_.end (),[](const Outgoing & o) {
            return o.media;}), outbox_.end ());
  size_t bytes = 0;
  for (auto & o : outbox_)
    bytes += o.bytes.size ();
  out_bytes_ = bytes - out_offset_;
  if (dialect_ == GST_SESSION_DIALECT_TWILIO) {
    std::string text = clear_message (dialect_, id_);
    return write_frame_locked (ws::kText, text.data (), text.size (), false);
  }
  return true;
}

std::shared_ptr<Session>
session_from_context (GstSessionContext * context)
{
  if (!context)
    return nullptr;
  auto *weak = static_cast<std::weak_ptr<Session> *> (g_object_get_qdata
      (G_OBJECT (context), session_quark ()));
  return weak ? weak->lock () : nullptr;
}

/* ------------------------------------------------------------------ */
/* Server: lifecycle and registry                                       */

Server::Server (const ServerConfig & config, ServerListener * listener)
    : config_ (config), listener_ (listener)
{
}

Server::~Server ()
{
}

IoThread::IoThread ()
{
  g_mutex_init (&startup_mutex);
  g_cond_init (&startup_cond);
  context = g_main_context_new ();
}

IoThread::~IoThread ()
{
  g_mutex_clear (&startup_mutex);
  g_cond_clear (&startup_cond);
  g_main_context_unref (context);
}

void
IoThread::invoke (GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, func, data,
      notify);
}

void
IoThread::invoke (std::function<void ()> func)
{
  invoke ([](gpointer data)->gboolean {
        (*static_cast<std::function<void ()> *> (data)) ();
        return G_SOURCE_REMOVE;
      }, new std::function<void ()> (std::move (func)), [](gpointer data) {
        delete static_cast<std::function<void ()> *> (data);
      });
}

std::shared_ptr<Server>
Server::start (const ServerConfig & config, ServerListener * listener,
    GError ** error)
{
  init_debug ();
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
  std::lock_guard < std::mutex > lock (sessions_lock_);
  auto it = sessions_.find (id);
  return it == sessions_.end ()? nullptr : it->second;
}

size_t
Server::n_sessions ()
{
  std::lock_guard < std::mutex > lock (sessions_lock_);
  return sessions_.size ();
}

bool
Server::bind_and_run (GError ** error)
{
  /* The first thread binds (and learns the port when it was 0); the others
   * join it on the same port. */
  guint n = MAX (config_.io_threads, 1u);
  for (guint i = 0; i < n; i++) {
    auto io = std::make_unique<IoThread> ();
    io->server = this;
    io->index = i;
    IoThread *raw = io.get ();
    io_.push_back (std::move (io));
    raw->thread = g_thread_try_new ("sessionserver", [](gpointer data)->gpointer {
          auto *io = static_cast<IoThread *> (data);
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

static GSocket *
listen_socket (const std::string & address, guint port, bool reuse_port,
    guint * bound_port, GError ** error)
{
  GInetAddress *inet = g_inet_address_new_from_string (address.c_str ());
  if (!inet) {
    GResolver *resolver = g_resolver_get_default ();
    GList *list = g_resolver_lookup_by_name (resolver, address.c_str (),
        nullptr, error);
    g_object_unref (resolver);
    if (!list)
      return nullptr;
    inet = G_INET_ADDRESS (g_object_ref (list->data));
    g_resolver_free_addresses (list);
  }
  GSocketAddress *addr = g_inet_socket_address_new (inet, (guint16) port);
  g_object_unref (inet);
  struct sockaddr_storage native;
  gssize native_len = g_socket_address_get_native_size (addr);
  if (!g_socket_address_to_native (addr, &native, sizeof native, error)) {
    g_object_unref (addr);
    return nullptr;
  }
  g_object_unref (addr);

  /* Plain POSIX: g_socket_bind () would reset SO_REUSEPORT on a stream
   * socket. libsoup's own listen() uses a backlog of 10, which drops
   * clients that connect in bursts (shared/FINDINGS.md): 4096 here. */
  int fd = socket (native.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one,
          sizeof one) != 0 || (reuse_port && setsockopt (fd, SOL_SOCKET,
              SO_REUSEPORT, &one, sizeof one) != 0) ||
      bind (fd, (struct sockaddr *) &native, (socklen_t) native_len) != 0 ||
      listen (fd, 4096) != 0) {
    int saved = errno;
    if (fd >= 0)
      close (fd);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
        "Error binding to address %s:%u: %s", address.c_str (), port,
        g_strerror (saved));
    return nullptr;
  }
  GSocket *sock = g_socket_new_from_fd (fd, error);
  if (!sock) {
    close (fd);
    return nullptr;
  }
  GSocketAddress *local = g_socket_get_local_address (sock, error);
  if (!local) {
    g_object_unref (sock);
    return nullptr;
  }
  *bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_object_unref (local);
  return sock;
}

void
Server::thread_main (IoThread & io)
{
  g_main_context_push_thread_default (io.context);
  io.loop = g_main_loop_new (io.context, FALSE);

  GError *err = nullptr;
  io.soup = soup_server_new ("server-header", "gst-sessionctx ", NULL);
  guint port = io.index == 0 ? config_.port : bound_port_;
  guint bound = 0;
  io.socket = listen_socket (config_.address, port, io_.size () > 1 ||
      config_.io_threads > 1, &bound, &err);
  if (io.socket && !soup_server_listen_socket (io.soup, io.socket,
          (SoupServerListenOptions) 0, &err)) {
    g_clear_object (&io.socket);
  }
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
    GSource *tick = g_timeout_source_new_seconds (1);
    g_source_set_callback (tick, on_tick, &io, nullptr);
    g_source_attach (tick, io.context);
    g_main_loop_run (io.loop);
    g_source_destroy (tick);
    g_source_unref (tick);
    shutdown_connections (io);
    soup_server_disconnect (io.soup);
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
    close_session (*s, GST_SESSION_END_REASON_SHUTDOWN,
        ws::kCloseGoingAway, "server shutting down");

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
    forget (*io.connections.begin ()->second);
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

std::string
Server::who (const Session & s) const
{
  if (s.started_)
    return s.id_;
  return "(no session yet, " + s.remote_ + ")";
}

static std::string
remote_of (SoupServerMessage * msg)
{
  std::string remote;
  if (GSocketAddress * addr = soup_server_message_get_remote_address (msg);
      addr && G_IS_INET_SOCKET_ADDRESS (addr)) {
    GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (addr);
    gchar *host = g_inet_address_to_string
        (g_inet_socket_address_get_address (inet));
    remote = std::string (host) + ":" +
        std::to_string (g_inet_socket_address_get_port (inet));
    g_free (host);
  }

  return remote;
}

/* What the request tells about the client: path, URL query, a few
 * headers. */
static GstStructure *
request_metadata (SoupServerMessage * msg, const char *path)
{
  GstStructure *meta = gst_structure_new ("metadata", "path", G_TYPE_STRING,
      path, NULL);
  if (const char *query = g_uri_get_query (soup_server_message_get_uri (msg))) {
    if (GHashTable * params = g_uri_parse_params (query, -1, "&",
            G_URI_PARAMS_NONE, nullptr)) {
      GstStructure *q = gst_structure_new_empty ("query");
      set_field_from_params (q, params);
      gst_structure_set (meta, "query", GST_TYPE_STRUCTURE, q, NULL);
      gst_structure_free (q);
      g_hash_table_unref (params);
    }
  }
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  GstStructure *h = gst_structure_new_empty ("headers");
  for (const char *name : {"User-Agent", "Origin", "X-Forwarded-For"}) {
    if (const char *v = soup_message_headers_get_one (headers, name))
      gst_structure_set (h, field_name_from_key (g_ascii_strdown (name,
                  -1)).c_str (), G_TYPE_STRING, v, NULL);
  }
  gst_structure_set (meta, "headers", GST_TYPE_STRUCTURE, h, NULL);
  gst_structure_free (h);

  return meta;
}

/* A request on a WebSocket path: libsoup checks the handshake and answers
 * 101 (or 400); once the 101 is written the connection is ours. */
void
Server::on_websocket_request (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  /* No extension is negotiated: frames arrive as clients wrote them. */
  if (!soup_websocket_server_process_handshake (msg, nullptr, nullptr,
          nullptr, nullptr))
    return;
  g_signal_connect (msg, "wrote-informational",
      G_CALLBACK (on_websocket_upgraded), user_data);
}

void
Server::on_websocket_upgraded (SoupServerMessage * msg, gpointer user_data)
{
  auto *io = static_cast<IoThread *> (user_data);
  Server *self = io->server;
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  GstSessionDialect dialect = g_str_has_prefix (path, "/telephone/handler") ?
      GST_SESSION_DIALECT_TWILIO : GST_SESSION_DIALECT_FASTRTC;
  std::string remote = remote_of (msg);
  GstStructure *meta = request_metadata (msg, path);

  GIOStream *stream = soup_server_message_steal_connection (msg);
  GSocket *socket = stream ? G_SOCKET (g_object_get_data (G_OBJECT (stream),
          "GSocket")) : nullptr;
  if (!socket) {
    GST_WARNING ("libsoup handed over no socket for %s", remote.c_str ());
    g_clear_object (&stream);
    gst_structure_free (meta);
    return;
  }
  auto session = std::make_shared<Session> (*self, *io,
      GST_SESSION_TRANSPORT_WEBSOCKET, dialect, remote, meta);
  session->stream_ = stream;
  session->socket_ = socket;
  session->fd_ = g_socket_get_fd (socket);
  session->reader_ = std::make_unique<ws::Reader> (self->config_.
      max_message_size ? self->config_.max_message_size : kDefaultMaxMessage);
  session->in_.resize (kReadBuffer);
  /* Frames are small and latency matters. */
  int one = 1;
  setsockopt (session->fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct epoll_event ev = { };
  ev.events = EPOLLIN;
  ev.data.ptr = session.get ();
  if (epoll_ctl (io->epoll_fd, EPOLL_CTL_ADD, session->fd_, &ev) != 0) {
    GST_WARNING ("epoll_ctl: %s", g_strerror (errno));
    session->fd_ = -1;
    return;
  }
  io->connections.emplace (session.get (), session);
  GST_DEBUG ("WebSocket connection on %s from %s", path, remote.c_str ());
}

gboolean
Server::on_epoll (gint fd, GIOCondition cond, gpointer user_data)
{
  auto *io = static_cast<IoThread *> (user_data);
  struct epoll_event events[kEventsPerWakeup];
  int n = epoll_wait (io->epoll_fd, events, kEventsPerWakeup, 0);
  /* Sessions are dropped from connections only by an idle callback
   * (forget_later): every pointer stays valid through this loop. */
  for (int i = 0; i < n; i++) {
    auto *s = static_cast<Session *> (events[i].data.ptr);
    if (events[i].events & EPOLLOUT) {
      bool done;
      {
        std::lock_guard < std::mutex > lock (s->outbox_lock_);
        s->flush_locked ();
        done = s->closed_both_ways_locked ();
      }
      if (done)
        io->server->drop_connection (*s);
    }
    if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
      io->server->read_socket (*s);
  }
  return G_SOURCE_CONTINUE;
}

void
Server::read_socket (Session & s)
{
  const size_t max_message = config_.max_message_size ?
      config_.max_message_size : kDefaultMaxMessage;
  const size_t max_frame = max_message + 14;    /* + largest header */
  for (int round = 0; round < kReadsPerWakeup && s.fd_ >= 0; round++) {
    size_t space = s.in_.size () - s.in_len_;
    ssize_t n = recv (s.fd_, s.in_.data () + s.in_len_, space,
        MSG_DONTWAIT);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (n <= 0) {
      GST_DEBUG ("connection of %s lost (%s)", who (s).c_str (),
          n == 0 ? "end of stream" : g_strerror (errno));
      drop_connection (s);
      return;
    }
    if (s.reader_->error_code () || s.close_received_) {
      s.in_len_ = 0;            /* after an error or a close: discarded */
      continue;
    }
    s.in_len_ += (size_t) n;
    size_t off = 0;
    while (s.fd_ >= 0 && !s.close_received_) {
      size_t used;
      ws::Message m;
      auto r = s.reader_->next (s.in_.data () + off, s.in_len_ - off, &used,
          &m);
      off += used;
      if (r == ws::Reader::kNeedMore)
        break;
      if (r == ws::Reader::kError) {
        uint16_t code = s.reader_->error_code ();
        GST_DEBUG ("%s: WebSocket protocol error: %s", who (s).c_str (),
            s.reader_->error_reason ());
        if (code == ws::kCloseTooBig && listener_)
          listener_->on_protocol_warning (who (s), error::message_too_big,
              "message larger than max-message-size (" +
              std::to_string (max_message) + " bytes)");
        close_session (s, GST_SESSION_END_REASON_ERROR, code,
            s.reader_->error_reason ());
        /* Failing the connection (RFC 6455 §7.1.7): end of stream right
         * after the close frame, rather than wait for an answer a broken
         * client may never send. */
        {
          std::lock_guard < std::mutex > lock (s.outbox_lock_);
          if (s.fd_ >= 0 && s.outbox_.empty ())
            shutdown (s.fd_, SHUT_WR);
        }
        s.in_len_ = 0;
        return;
      }
      handle_frame (s, m);
    }
    if (s.fd_ < 0)
      return;
    memmove (s.in_.data (), s.in_.data () + off, s.in_len_ - off);
    s.in_len_ -= off;
    /* Room for the whole of the next frame (the reader has checked its
     * size against max-message-size). */
    size_t need = ws::Reader::frame_size (s.in_.data (), s.in_len_);
    if (need > s.in_.size () && need <= max_frame)
      s.in_.resize (need);
    else if (s.in_len_ == s.in_.size ())
      s.in_.resize (MIN (s.in_.size () * 2, max_frame));
    if ((size_t) n < space)
      return;                   /* the socket is drained */
  }
}

void
Server::handle_frame (Session & s, const ws::Message & m)
{
  switch (m.opcode) {
    case ws::kText:
      if (!s.closing_)
        handle_text (s, m.data.data (), m.data.size ());
      break;
    case ws::kBinary:
      if (!s.closing_)
        handle_binary (s, reinterpret_cast<const uint8_t *> (m.data.data ()),
            m.data.size ());
      break;
    case ws::kPing:{
      std::lock_guard < std::mutex > lock (s.outbox_lock_);
      s.write_frame_locked (ws::kPong, m.data.data (), m.data.size (), false);
      break;
    }
    case ws::kPong:
      break;
    case ws::kClose:{
      GST_DEBUG ("%s closed the connection (code %u)", who (s).c_str (),
          m.close_code);
      s.close_received_ = true;
      end_session (s, s.closing_ ? s.close_reason_ :
          GST_SESSION_END_REASON_DISCONNECT);
      /* Echo the code (RFC 6455 §5.5.1), unless ours went first. */
      send_close (s, m.close_code == ws::kCloseNoStatus ? "" :
          ws::close_payload (m.close_code, ""));
      break;
    }
  }
}

/* Closes the socket (server thread); the session, if it was one, ends. */
void
Server::drop_connection (Session & s)
{
  {
    std::lock_guard < std::mutex > lock (s.outbox_lock_);
    if (s.fd_ < 0)
      return;
    s.close_socket_locked ();
  }
  end_session (s, s.closing_ ? s.close_reason_ :
      GST_SESSION_END_REASON_DISCONNECT);
  forget_later (s);
}

void
Server::drop_overflowed (Session & s)
{
  if (s.fd_ < 0)
    return;
  if (listener_)
    listener_->on_protocol_warning (who (s), error::send_buffer_full,
        "the client does not read what is sent to it (over " +
        std::to_string (config_.max_send_queue) + " bytes waiting): "
        "disconnected");
  if (!s.closing_) {
    s.closing_ = true;
    s.close_reason_ = GST_SESSION_END_REASON_ERROR;
  }
  drop_connection (s);
}

/* Drops the session outside of whatever is iterating or emitting now. */
void
Server::forget_later (Session & s)
{
  auto *ref = new std::weak_ptr<Session> (s.weak_from_this ());
  GSource *idle = g_idle_source_new ();
  g_source_set_callback (idle, [](gpointer data)->gboolean {
        auto *weak = static_cast<std::weak_ptr<Session> *> (data);
        if (auto session = weak->lock ())
          session->server_.forget (*session);
        return G_SOURCE_REMOVE;
      }, ref, free_weak_session);
  g_source_attach (idle, s.io_.context);
  g_source_unref (idle);
}

void
Server::forget (Session & s)
{
  {
    std::lock_guard < std::mutex > lock (s.outbox_lock_);
    s.close_socket_locked ();
  }
  s.socket_ = nullptr;
  g_clear_object (&s.stream_);
  s.io_.connections.erase (&s);       /* may destroy s */
}

void
Server::end_session (Session & s, GstSessionEndReason reason)
{
  /* A WebSocket is a session from its start; a WebRTC peer from its offer
   * (a peer that never connects still ends, e.g. connect-timeout). */
  if (s.ended_ || (!s.started_ && s.transport_ != GST_SESSION_TRANSPORT_WEBRTC))
    return;
  s.ended_ = true;
  if (!s.context_)
    ensure_context (s);
  if (s.transport_ == GST_SESSION_TRANSPORT_WEBRTC) {
    std::lock_guard < std::mutex > lock (signal_lock_);
    recently_closed_[s.id_] = g_get_monotonic_time ();
  }
  s.ended_us_ = g_get_monotonic_time ();
  {
    std::lock_guard < std::mutex > lock (s.outbox_lock_);
    s.open_.store (false, std::memory_order_release);
  }
  {
    std::lock_guard < std::mutex > lock (sessions_lock_);
    auto it = sessions_.find (s.id_);
    if (it != sessions_.end () && it->second.get () == &s)
      sessions_.erase (it);
  }
  GST_INFO ("session %s ended: %s", s.id_.c_str (),
      gst_session_end_reason_to_string (reason));
  if (listener_)
    listener_->on_session_ended (s, reason);
}

void
Server::close_session (Session & s, GstSessionEndReason reason, gushort code,
    const char *why)
{
  if (!s.closing_) {
    s.closing_ = true;
    s.close_reason_ = reason;
  }
  end_session (s, reason);
  send_close (s, ws::close_payload (code, why ? why : ""));
  if (s.transport_ == GST_SESSION_TRANSPORT_WEBRTC)
    forget_later (s);
}

/* Our close frame (once), after what was sent before. The TCP connection
 * goes when both sides have closed and everything is written, or after
 * kCloseWaitUs (on_tick). */
void
Server::send_close (Session & s, const std::string & payload)
{
  bool done;
  {
    std::lock_guard < std::mutex > lock (s.outbox_lock_);
    if (s.fd_ < 0)
      return;
    if (!s.close_sent_) {
      s.write_frame_locked (ws::kClose, payload.data (), payload.size (),
          false);
      s.close_sent_ = true;
      s.close_deadline_us_ = g_get_monotonic_time () + kCloseWaitUs;
    }
    done = s.closed_both_ways_locked ();
  }
  if (done)
    drop_connection (s);
}

void
Server::reply (Session & s, const std::string & text)
{
  std::lock_guard < std::mutex > lock (s.outbox_lock_);
  s.write_frame_locked (ws::kText, text.data (), text.size (), false);
}

void
Server::reply_error (Session & s, const char *code,
    const std::string & detail, long limit)
{
  /* Warn first: whoever sees the reply can rely on the warning. */
  if (++s.warnings_ <= kMaxWarningsPerConnection) {
    std::string text = detail;
    if (s.warnings_ == kMaxWarningsPerConnection)
      text += " (further warnings for this connection are only logged)";
    if (listener_)
      listener_->on_protocol_warning (who (s), code, text);
  } else {
    GST_DEBUG ("%s: %s: %s", who (s).c_str (), code, detail.c_str ());
  }
  reply (s, failed_reply (code, limit));
}

/* The context of @s: id, transport, dialect, remote address, and the
 * request metadata (with what the client said, for Twilio). */
void
Server::ensure_context (Session & s)
{
  if (s.context_)
    return;
  s.context_ = gst_session_context_new (s.id_.c_str (), s.transport_,
      s.dialect_, s.remote_.empty ()? nullptr : s.remote_.c_str (),
      gst_structure_copy (s.request_metadata_));
  g_object_set_qdata_full (G_OBJECT (s.context_), session_quark (),
      new std::weak_ptr<Session> (s.weak_from_this ()), free_weak_session);
}

void
Server::handle_start (Session & s, ClientMessage & msg)
{
  if (s.started_) {
    reply_error (s, error::already_started, "second start for session " +
        s.id_ + " ignored");
    return;
  }
  auto self_ref = s.shared_from_this ();
  {
    std::unique_lock < std::mutex > lock (sessions_lock_);
    if (sessions_.count (msg.session_id)) {
      lock.unlock ();
      reply_error (s, error::connection_already_exists, "session id " +
          msg.session_id + " is already live");
      close_session (s, GST_SESSION_END_REASON_ERROR,
          ws::kClosePolicyViolation, "connection_already_exists");
      return;
    }
    if (config_.max_sessions > 0 && sessions_.size () >= config_.max_sessions) {
      lock.unlock ();
      reply_error (s, error::concurrency_limit_reached, "session " +
          msg.session_id + " refused: max-sessions (" +
          std::to_string (config_.max_sessions) + ") reached",
          config_.max_sessions);
      /* 1008, not 1013 "try again later": libsoup clients treat codes
       * 1012-2999 as a protocol error. */
      close_session (s, GST_SESSION_END_REASON_ERROR,
          ws::kClosePolicyViolation, "concurrency_limit_reached");
      return;
    }
    sessions_.emplace (msg.session_id, self_ref);
  }

  s.id_ = msg.session_id;
  s.encoding_ = msg.encoding;
  if (s.dialect_ == GST_SESSION_DIALECT_TWILIO) {
    s.input_rate_ = msg.sample_rate ? msg.sample_rate : 8000;
    s.output_rate_ = 8000;
  } else {
    s.input_rate_ = config_.websocket_input_rate;
    s.output_rate_ = config_.websocket_output_rate;
  }
  if (msg.metadata) {
    /* What the client said in start joins the request facts. */
    gst_structure_foreach (s.request_metadata_, [](GQuark field,
            const GValue * value, gpointer data)->gboolean {
          gst_structure_id_set_value (static_cast<GstStructure *> (data),
              field, value);
          return TRUE;
        }, msg.metadata.get ());
    gst_structure_free (s.request_metadata_);
    s.request_metadata_ = msg.metadata.release ();
  }
  s.media_prefix_ = media_message_prefix (s.dialect_, s.id_);
  ensure_context (s);
  s.started_ = true;
  s.started_us_ = s.last_media_us_ = g_get_monotonic_time ();
  s.open_.store (true, std::memory_order_release);
  GST_INFO ("session %s started (%s) from %s", s.id_.c_str (),
      gst_session_dialect_to_string (s.dialect_), s.remote_.c_str ());
  if (listener_)
    listener_->on_session_started (self_ref);
}

/* Audio from the client, as @encoding at the session's input rate. */
void
Server::deliver_media (Session & s, Encoding encoding, const uint8_t * data,
    size_t len)
{
  if (encoding != Encoding::mulaw && len % 2) {
    reply_error (s, error::invalid_payload_length, "16-bit payload of " +
        std::to_string (len) + " bytes (odd) dropped");
    return;
  }
  s.count_media (len);
  if (listener_)
    listener_->on_session_media (s, encoding, data, len);
}

/* Binary media extension: raw audio, once the client asked for it. */
void
Server::handle_binary (Session & s, const uint8_t * data, size_t len)
{
  const int mode = s.binary_.load (std::memory_order_relaxed);
  if (!s.started_ || mode < 0) {
    reply_error (s, error::binary_not_supported, "binary WebSocket frames "
        "need {\"event\":\"binary_media\"} after start; send JSON text "
        "frames");
    return;
  }
  if (len == 0) {
    reply_error (s, error::empty_payload, "empty binary media frame");
    return;
  }
  deliver_media (s, (Encoding) mode, data, len);
}

void
Server::handle_text (Session & s, const char *data, size_t len)
{
  ClientMessage msg = parse_client_message (s.dialect_, data, len);
  switch (msg.kind) {
    case MessageKind::invalid:
      reply_error (s, msg.error, msg.detail);
      /* Without a valid start the connection cannot become a session. */
      if (!s.started_ && (is_error (msg, error::invalid_session_id) ||
              is_error (msg, error::unsupported_media_format)))
        close_session (s, GST_SESSION_END_REASON_ERROR,
            ws::kClosePolicyViolation, msg.error);
      break;
    case MessageKind::start:
      handle_start (s, msg);
      break;
    case MessageKind::media:
      if (!s.started_) {
        reply_error (s, error::not_started, "media before start");
        break;
      }
      deliver_media (s, s.encoding_, msg.payload.data (), msg.payload.size ());
      break;
    case MessageKind::binary_media:
      if (!s.started_) {
        reply_error (s, error::not_started, "binary_media before start");
        break;
      }
      {
        /* The answer and the switch under one lock: every media frame
         * written after the answer is binary (see send_audio). */
        std::string text = binary_media_message (msg.encoding, s.input_rate_,
            s.output_rate_);
        std::lock_guard < std::mutex > lock (s.outbox_lock_);
        s.binary_.store ((int) msg.encoding, std::memory_order_release);
        s.write_frame_locked (ws::kText, text.data (), text.size (), false);
      }
      GST_DEBUG ("session %s: binary media frames (%s)", s.id_.c_str (),
          binary_encoding_name (msg.encoding));
      break;
    case MessageKind::stop:
      close_session (s, GST_SESSION_END_REASON_STOP,
          ws::kCloseNormal, "stop");
      break;
    case MessageKind::ping:
      reply (s, pong_message ());
      break;
    case MessageKind::connected:
      break;
    case MessageKind::dtmf:
    case MessageKind::mark:
    case MessageKind::application:
      if (!s.started_) {
        reply_error (s, error::not_started, "message before start");
        break;
      }
      if (!listener_)
        break;
      if (msg.kind == MessageKind::dtmf)
        listener_->on_session_dtmf (s, msg.text);
      else if (msg.kind == MessageKind::mark)
        listener_->on_session_mark (s, msg.text);
      else
        listener_->on_session_message (s, std::string (data, len));
      break;
  }
}

gboolean
Server::on_tick (gpointer user_data)
{
  auto *io = static_cast<IoThread *> (user_data);
  Server *self = io->server;
  const ServerConfig & c = self->config_;
  const gint64 now = g_get_monotonic_time ();
  const gint64 second = G_USEC_PER_SEC;
  std::vector<std::pair<std::shared_ptr<Session>, GstSessionEndReason>> due;
  std::vector<std::shared_ptr<Session>> unanswered;
  for (auto &[ptr, s] : io->connections) {
    if (s->fd_ >= 0 && s->close_deadline_us_ && now >= s->close_deadline_us_)
      unanswered.push_back (s);
    if (s->closing_ || s->ended_)
      continue;
    bool rtc = s->transport_ == GST_SESSION_TRANSPORT_WEBRTC;
    if (rtc && !s->started_) {
      if (now - s->opened_us_ >= (gint64) c.connect_timeout * second)
        due.emplace_back (s, GST_SESSION_END_REASON_CONNECT_TIMEOUT);
    } else if (rtc && now - s->last_media_us_.load () >=
        (gint64) c.peer_timeout * second) {
      due.emplace_back (s, GST_SESSION_END_REASON_DISCONNECT);
    } else if (c.time_limit && s->started_ &&
        now - s->started_us_ >= (gint64) c.time_limit * second) {
      due.emplace_back (s, GST_SESSION_END_REASON_TIME_LIMIT);
    } else if (c.idle_timeout && now - (s->started_ ? s->last_media_us_.load ()
            : s->opened_us_) >= (gint64) c.idle_timeout * second) {
      due.emplace_back (s, GST_SESSION_END_REASON_IDLE);
    }
  }
  for (auto &[s, reason] : due)
    self->close_session (*s, reason, ws::kCloseNormal,
        gst_session_end_reason_to_string (reason));
  for (auto & s : unanswered)
    self->drop_connection (*s);

  if (io->index != 0)
    return G_SOURCE_CONTINUE;
  std::lock_guard < std::mutex > lock (self->signal_lock_);
  for (auto it = self->held_.begin (); it != self->held_.end ();) {
    auto & v = it->second;
    while (!v.empty () && now - v.front ().received_us >= kHoldCandidatesUs)
      v.erase (v.begin ());
    if (v.empty ()) {
      GST_DEBUG ("dropped held candidates of %s: no offer came",
          it->first.c_str ());
      it = self->held_.erase (it);
    } else {
      ++it;
    }
  }
  for (auto it = self->recently_closed_.begin ();
      it != self->recently_closed_.end ();) {
    if (now - it->second >= kRememberClosedUs)
      it = self->recently_closed_.erase (it);
    else
      ++it;
  }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* WebRTC: HTTP signalling and session lifecycle                        */

static void
respond (SoupServerMessage * msg, guint status, const std::string & body)
{
  soup_server_message_set_status (msg, status, nullptr);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  /* libsoup 3.2 never closes an idle keep-alive connection that the client
   * closed (CLOSE-WAIT, one fd per signalling client; fixed in 3.3). Each
   * signalling POST stands alone, so close after answering. */
  soup_message_headers_replace (headers, "Connection", "close");
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_COPY, body.data (), body.size ());
}

void
Server::on_http_offer (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  auto *io = static_cast<IoThread *> (user_data);
  Server *self = io->server;
  const char *method = soup_server_message_get_method (msg);
  if (g_strcmp0 (method, "OPTIONS") == 0) {
    /* CORS preflight for browser clients on another origin. */
    SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
    soup_message_headers_replace (h, "Access-Control-Allow-Origin", "*");
    soup_message_headers_replace (h, "Access-Control-Allow-Methods",
        "POST, OPTIONS");
    soup_message_headers_replace (h, "Access-Control-Allow-Headers",
        "Content-Type");
    soup_server_message_set_status (msg, 204, nullptr);
    return;
  }
  if (g_strcmp0 (method, "POST") != 0) {
    respond (msg, 405, "{\"detail\":\"Method Not Allowed\"}");
    return;
  }
  GBytes *bytes = soup_message_body_flatten
      (soup_server_message_get_request_body (msg));
  gsize len = 0;
  const char *data = static_cast<const char *> (g_bytes_get_data (bytes,
          &len));
  SignalRequest req = parse_signal_request (data ? data : "", len);
  g_bytes_unref (bytes);

  if (req.kind == SignalKind::invalid) {
    if (req.http_status == 422)
      respond (msg, 422, "{\"detail\":" + json_quote (req.detail) + "}");
    else
      respond (msg, req.http_status, failed_reply (req.error));
    if (self->listener_)
      self->listener_->on_protocol_warning (req.id.empty ()?
          "(webrtc offer from " + remote_of (msg) + ")" : req.id,
          req.error ? req.error : "invalid_request", req.detail);
    return;
  }
  if (req.kind == SignalKind::offer)
    self->handle_offer (*io, msg, req);
  else
    self->handle_candidate (msg, req);
}

void
Server::handle_offer (IoThread & io, SoupServerMessage * msg,
    SignalRequest & req)
{
  std::shared_ptr<Session> s;
  const char *refusal = nullptr;
  {
    std::lock_guard < std::mutex > lock (sessions_lock_);
    if (sessions_.count (req.id)) {
      refusal = error::connection_already_exists;
    } else if (config_.max_sessions > 0 &&
        sessions_.size () >= config_.max_sessions) {
      refusal = error::concurrency_limit_reached;
    } else {
      s = std::make_shared<Session> (*this, io, GST_SESSION_TRANSPORT_WEBRTC,
          GST_SESSION_DIALECT_FASTRTC, remote_of (msg),
          request_metadata (msg, "/webrtc/offer"));
      s->id_ = req.id;
      s->input_rate_ = s->output_rate_ = 48000;
      sessions_.emplace (req.id, s);
    }
  }
  if (refusal) {
    bool limit = g_str_equal (refusal, error::concurrency_limit_reached);
    respond (msg, 200, failed_reply (refusal, limit ?
            (long) config_.max_sessions : -1));
    if (listener_)
      listener_->on_protocol_warning (req.id, refusal, limit ?
          "max-sessions (" + std::to_string (config_.max_sessions) +
          ") reached" : "session id is already live");
    return;
  }
  io.connections.emplace (s.get (), s);
  std::vector<HeldCandidate> held;
  {
    std::lock_guard < std::mutex > lock (signal_lock_);
    recently_closed_.erase (req.id);
    auto it = held_.find (req.id);
    if (it != held_.end ()) {
      held.swap (it->second);
      held_.erase (it);
    }
  }

  /* Answer once the peer has gathered its candidates (no server → client
   * trickle in FastRTC): hold the HTTP response until then. */
  g_object_ref (msg);
  soup_server_message_pause (msg);
  std::weak_ptr<Server> weak_self = weak_from_this ();
  IoThread *owner = &io;
  auto reply =[weak_self, owner, msg](guint status, std::string body) {
    auto self = weak_self.lock ();
    if (!self) {
      g_object_unref (msg);
      return;
    }
    owner->invoke ([msg, status, body] {
          respond (msg, status, body);
          soup_server_message_unpause (msg);
          g_object_unref (msg);
        });
  };
  if (!listener_) {
    reply (200, failed_reply ("server_error"));
    abandon_session (s);
    return;
  }
  listener_->on_webrtc_offer (s, req.sdp, reply);

  /* Candidates that raced ahead of the offer. */
  for (auto & c : held)
    listener_->on_webrtc_candidate (*s, c.mline_index, c.candidate);
}

void
Server::handle_candidate (SoupServerMessage * msg, SignalRequest & req)
{
  auto s = find_session (req.id);
  if (s && s->transport_ == GST_SESSION_TRANSPORT_WEBRTC) {
    if (listener_)
      listener_->on_webrtc_candidate (*s, req.sdp_mline_index, req.candidate);
    respond (msg, 200, success_reply ());
    return;
  }
  const char *refusal = nullptr;
  std::unique_lock < std::mutex > lock (signal_lock_);
  if (s) {
    refusal = error::unknown_connection;        /* a WebSocket session */
  } else if (recently_closed_.count (req.id)) {
    refusal = error::connection_closed;
  } else {
    /* FastRTC's browser client sends candidates before (or with) its
     * offer: hold them a few seconds. */
    auto it = held_.find (req.id);
    if ((it == held_.end () && held_.size () >= kMaxHeldIds) ||
        (it != held_.end () && it->second.size () >= kMaxHeldPerId)) {
      refusal = error::unknown_connection;
    } else {
      held_[req.id].push_back ({req.sdp_mline_index, req.candidate,
              g_get_monotonic_time ()});
      lock.unlock ();
      respond (msg, 200, success_reply ());
      return;
    }
  }
  lock.unlock ();
  respond (msg, 200, failed_reply (refusal));
  if (listener_)
    listener_->on_protocol_warning (req.id, refusal,
        "ICE candidate refused");
}

void
Server::start_session (const std::shared_ptr<Session> & session,
    const std::string & remote_address)
{
  session->io_.invoke ([this, session, remote_address] {
        Session & s = *session;
        if (s.ended_ || s.started_)
          return;
        if (!remote_address.empty ())
          s.remote_ = remote_address;
        ensure_context (s);
        s.started_ = true;
        s.started_us_ = s.last_media_us_ = g_get_monotonic_time ();
        s.open_.store (true, std::memory_order_release);
        GST_INFO ("session %s started (webrtc) from %s", s.id_.c_str (),
            s.remote_.c_str ());
        if (listener_)
          listener_->on_session_started (session);
      });
}

void
Server::end_session_async (const std::shared_ptr<Session> & session,
    GstSessionEndReason reason)
{
  session->io_.invoke ([this, session, reason] {
        if (!session->ended_)
          close_session (*session, reason, ws::kCloseNormal,
              gst_session_end_reason_to_string (reason));
      });
}

void
Server::fail_session_async (const std::shared_ptr<Session> & session,
    const char *code)
{
  session->io_.invoke ([this, session, code] {
        Session & s = *session;
        if (s.ended_)
          return;
        if (s.transport_ == GST_SESSION_TRANSPORT_WEBSOCKET)
          reply (s, failed_reply (code, -1));
        else                    /* FastRTC's error form on the data channel */
          s.send_text (std::string ("{\"type\":\"error\",\"message\":\"") +
              code + "\"}");
        close_session (s, GST_SESSION_END_REASON_ERROR,
            ws::kCloseInternalError, code);
      });
}

void
Server::abandon_session (const std::shared_ptr<Session> & session)
{
  session->io_.invoke ([this, session] {
        Session & s = *session;
        if (s.ended_)
          return;
        s.ended_ = true;
        {
          std::lock_guard < std::mutex > lock (sessions_lock_);
          auto it = sessions_.find (s.id_);
          if (it != sessions_.end () && it->second == session)
            sessions_.erase (it);
        }
        forget_later (s);
      });
}

}  // namespace sessionctx
