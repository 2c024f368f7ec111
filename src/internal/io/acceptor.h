/* Accepting connections on an I/O thread's listening socket ourselves
 * (libsoup 3.2.3's own listener leaks ~550 bytes per connection it
 * accepts; soup_server_accept_iostream () does not), wrapping each in TLS
 * when the server has a certificate, and closing those that do not send a
 * whole HTTP request within the handshake timeout.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <unordered_map>

namespace sessionctx {

class Acceptor
{
public:
  /* Accepts on @listen (made non-blocking) from @context and hands each
   * connection to @soup, over TLS with @certificate when not NULL.
   * @handshake_timeout_s: 0 for no limit. */
  Acceptor (GMainContext * context, SoupServer * soup, GSocket * listen,
      GTlsCertificate * certificate, guint handshake_timeout_s);
  /* After soup_server_disconnect (). */
  ~Acceptor ();
  Acceptor (const Acceptor &) = delete;
  Acceptor & operator= (const Acceptor &) = delete;

  /* The tick: shuts down connections whose request is overdue (libsoup
   * then sees the end of stream and lets them go). */
  void expire (gint64 now);
  /* @msg's connection leaves libsoup (a WebSocket upgrade): no request
   * deadline any more. */
  void forget (SoupServerMessage * msg);

  /* The socket under a stream libsoup handed over, and the TLS connection
   * that carries the bytes (NULL for plain TCP); both owned by @stream. */
  static GSocket *socket_of (GIOStream * stream, GIOStream ** tls);

private:
  static gboolean on_incoming (GSocket * listen, GIOCondition cond,
      gpointer user_data);
  static void on_request_read (SoupServer * soup, SoupServerMessage * msg,
      gpointer user_data);
  static void on_request_finished (SoupServer * soup,
      SoupServerMessage * msg, gpointer user_data);
  static void on_socket_gone (gpointer user_data, GObject * socket);
  static gboolean on_resume (gpointer user_data);
  void listen_again ();
  void accept_one (GSocket * client);
  GSocket *client_of (SoupServerMessage * msg);

  SoupServer *soup_;
  GSocket *listen_;
  GTlsCertificate *certificate_;
  gint64 timeout_us_;
  GMainContext *context_;
  GSource *source_ = nullptr;   /* the listening socket's */
  GSource *resume_ = nullptr;   /* after an accept error, its pause */
  gulong read_handler_ = 0, finished_handler_ = 0;
  int keep_alive_peer_ = -1;    /* the silent end of libsoup's listener */
  /* Connections libsoup serves, by socket (weakly referenced): when their
   * request must be read by (0: none due, a request is being answered). */
  std::unordered_map<GSocket *, gint64> deadlines_;
};

}  // namespace sessionctx
