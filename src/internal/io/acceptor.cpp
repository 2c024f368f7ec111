/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "io/acceptor.h"

#include "core/serverdebug.h"
#include "io/threadpolicy.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {
namespace {

/* On a connection's remote address (libsoup keeps the one we pass and
 * gives it back on every message): its socket, not owned. */
GQuark
client_socket_quark ()
{
  static GQuark q = g_quark_from_static_string ("sessionctx-client-socket");
  return q;
}

/* After an accept error other than "would block". */
constexpr guint kAcceptPauseMs = 100;

}  // namespace

Acceptor::Acceptor (GMainContext * context, SoupServer * soup,
    GSocket * listen, GTlsCertificate * certificate, guint handshake_timeout_s)
    : soup_ (soup), listen_ (listen), certificate_ (certificate),
    timeout_us_ ((gint64) handshake_timeout_s * G_USEC_PER_SEC),
    context_ (context)
{
  /* libsoup keeps a connection alive after a response only while it has a
   * listener (soup-server.c, request_finished: "&& priv->listeners"):
   * give it one that never hears from anyone, one end of a socket pair
   * whose other end stays silent. */
  int pair[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0) {
    GError *err = nullptr;
    GSocket *silent = g_socket_new_from_fd (pair[0], &err);
    if (silent && soup_server_listen_socket (soup_, silent,
            (SoupServerListenOptions) 0, &err)) {
      keep_alive_peer_ = pair[1];
    } else {
      GST_WARNING ("no keep-alive: %s", err ? err->message : "");
      g_clear_error (&err);
      close (pair[1]);
      if (!silent)
        close (pair[0]);
    }
    g_clear_object (&silent);
  }
  g_socket_set_blocking (listen_, FALSE);
  listen_again ();
  if (timeout_us_) {
    read_handler_ = g_signal_connect (soup_, "request-read",
        G_CALLBACK (on_request_read), this);
    finished_handler_ = g_signal_connect (soup_, "request-finished",
        G_CALLBACK (on_request_finished), this);
  }
}

void
Acceptor::listen_again ()
{
  source_ = g_socket_create_source (listen_, G_IO_IN, nullptr);
  g_source_set_callback (source_, (GSourceFunc) (void (*)(void)) on_incoming,
      this, nullptr);
  g_source_attach (source_, context_);
}

gboolean
Acceptor::on_resume (gpointer user_data)
{
  auto *self = static_cast<Acceptor *> (user_data);
  g_clear_pointer (&self->resume_, g_source_unref);
  self->listen_again ();
  return G_SOURCE_REMOVE;
}

Acceptor::~Acceptor ()
{
  if (source_) {
    g_source_destroy (source_);
    g_source_unref (source_);
  }
  if (resume_) {
    g_source_destroy (resume_);
    g_source_unref (resume_);
  }
  if (read_handler_)
    g_signal_handler_disconnect (soup_, read_handler_);
  if (finished_handler_)
    g_signal_handler_disconnect (soup_, finished_handler_);
  for (auto &[socket, deadline] : deadlines_)
    g_object_weak_unref (G_OBJECT (socket), on_socket_gone, this);
  if (keep_alive_peer_ >= 0)
    close (keep_alive_peer_);
}

gboolean
Acceptor::on_incoming (GSocket * listen, GIOCondition cond, gpointer user_data)
{
  auto *self = static_cast<Acceptor *> (user_data);
  /* Everything waiting, so that a burst costs one wakeup. */
  for (;;) {
    GError *err = nullptr;
    GSocket *client = g_socket_accept (listen, nullptr, &err);
    if (!client) {
      bool would_block = g_error_matches (err, G_IO_ERROR,
          G_IO_ERROR_WOULD_BLOCK);
      if (!would_block)
        GST_WARNING ("accept: %s", err->message);
      g_error_free (err);
      if (would_block)
        break;
      /* Out of file descriptors, say: the connection still waits, and the
       * socket stays readable. Pause rather than spin on it. */
      self->resume_ = g_timeout_source_new (kAcceptPauseMs);
      g_source_set_callback (self->resume_, on_resume, self, nullptr);
      g_source_attach (self->resume_, self->context_);
      g_clear_pointer (&self->source_, g_source_unref);
      return G_SOURCE_REMOVE;
    }
    self->accept_one (client);
    g_object_unref (client);
    /* libsoup often answers a request already waiting within
     * accept_one (): a burst of 50 connects is ~4 ms of work here, which
     * the live sessions' media must not wait behind (a thread in the
     * background only). */
    yield_to_waiting ();
  }
  return G_SOURCE_CONTINUE;
}

void
Acceptor::accept_one (GSocket * client)
{
  GError *err = nullptr;
  /* Handshakes (TLS's above all) are several small writes: Nagle's
   * algorithm would hold each behind the client's delayed ACK. */
  g_socket_set_option (client, IPPROTO_TCP, TCP_NODELAY, 1, nullptr);
  GSocketAddress *local = g_socket_get_local_address (client, nullptr);
  GSocketAddress *remote = g_socket_get_remote_address (client, nullptr);
  GIOStream *stream = G_IO_STREAM
      (g_socket_connection_factory_create_connection (client));
  if (certificate_) {
    GIOStream *tls = g_tls_server_connection_new (stream, certificate_, &err);
    g_object_unref (stream);
    stream = tls;
    if (tls)
      /* A client that hangs up without close_notify has still ended. */
      g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls),
          FALSE);
  }
  if (stream && remote) {
    g_object_set_qdata (G_OBJECT (remote), client_socket_quark (), client);
    if (timeout_us_) {
      deadlines_[client] = g_get_monotonic_time () + timeout_us_;
      g_object_weak_ref (G_OBJECT (client), on_socket_gone, this);
    }
    if (!soup_server_accept_iostream (soup_, stream, local, remote, &err)) {
      if (timeout_us_) {
        g_object_weak_unref (G_OBJECT (client), on_socket_gone, this);
        deadlines_.erase (client);
      }
    }
  }
  if (err) {
    GST_WARNING ("could not serve a connection: %s", err->message);
    g_error_free (err);
  }
  g_clear_object (&stream);
  g_clear_object (&local);
  g_clear_object (&remote);
}

GSocket *
Acceptor::client_of (SoupServerMessage * msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  return remote ? static_cast<GSocket *> (g_object_get_qdata (G_OBJECT
          (remote), client_socket_quark ())) : nullptr;
}

void
Acceptor::on_request_read (SoupServer * soup, SoupServerMessage * msg,
    gpointer user_data)
{
  auto *self = static_cast<Acceptor *> (user_data);
  auto it = self->deadlines_.find (self->client_of (msg));
  if (it != self->deadlines_.end ())
    it->second = 0;
}

void
Acceptor::on_request_finished (SoupServer * soup, SoupServerMessage * msg,
    gpointer user_data)
{
  /* A kept-alive connection has as long for its next request. */
  auto *self = static_cast<Acceptor *> (user_data);
  auto it = self->deadlines_.find (self->client_of (msg));
  if (it != self->deadlines_.end ())
    it->second = g_get_monotonic_time () + self->timeout_us_;
}

void
Acceptor::on_socket_gone (gpointer user_data, GObject * socket)
{
  static_cast<Acceptor *> (user_data)->deadlines_.erase ((GSocket *) socket);
}

void
Acceptor::forget (SoupServerMessage * msg)
{
  GSocket *client = client_of (msg);
  auto it = deadlines_.find (client);
  if (it == deadlines_.end ())
    return;
  g_object_weak_unref (G_OBJECT (client), on_socket_gone, this);
  deadlines_.erase (it);
}

void
Acceptor::expire (gint64 now)
{
  for (auto &[socket, deadline] : deadlines_) {
    if (deadline && now >= deadline) {
      GST_DEBUG ("a connection sent no whole request in time: closing it");
      /* Not closed here: libsoup still owns the socket, and frees it once
       * its pending read sees the end of stream. */
      shutdown (g_socket_get_fd (socket), SHUT_RDWR);
      deadline = 0;
    }
  }
}

GSocket *
Acceptor::socket_of (GIOStream * stream, GIOStream ** tls)
{
  *tls = nullptr;
  /* libsoup wraps what it was given (SoupIOStream, "base-iostream"); a
   * GTlsConnection wraps the GSocketConnection ("base-io-stream"). */
  while (stream && !G_IS_SOCKET_CONNECTION (stream)) {
    const char *base = G_IS_TLS_CONNECTION (stream) ? "base-io-stream" :
        "base-iostream";
    if (G_IS_TLS_CONNECTION (stream))
      *tls = stream;
    if (!g_object_class_find_property (G_OBJECT_GET_CLASS (stream), base))
      return nullptr;
    GIOStream *inner = nullptr;
    g_object_get (stream, base, &inner, NULL);
    /* Owned by @stream: the reference is not needed. */
    if (inner)
      g_object_unref (inner);
    stream = inner;
  }
  return stream ? g_socket_connection_get_socket (G_SOCKET_CONNECTION
      (stream)) : nullptr;
}

}  // namespace sessionctx
