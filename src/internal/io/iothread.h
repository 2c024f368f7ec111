/* A server thread with its own GMainContext. An I/O thread has an epoll
 * set of the WebSocket connections it serves, which the GMainContext polls
 * as one fd: a wakeup costs what is ready, not what is open (a GSource per
 * connection made every poll O(connections)). Its handshake thread (also
 * an IoThread) has the SoupServer and the listening socket (several share
 * the port with SO_REUSEPORT; the kernel spreads new connections;
 * acceptor.h accepts them): libsoup parses HTTP and the WebSocket
 * handshake, then the connection leaves libsoup for the I/O thread's
 * epoll set.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace sessionctx {

class Session;

struct IoThread
{
  guint index = 0;
  GMainContext *context = nullptr;
  GMainLoop *loop = nullptr;
  GThread *thread = nullptr;
  SoupServer *soup = nullptr;  /* handshake thread */
  GSocket *socket = nullptr;    /* handshake thread: listening */
  int epoll_fd = -1;            /* I/O thread */
  GSource *epoll_source = nullptr;
  /* This thread only: every open WebSocket and WebRTC session it serves. */
  std::unordered_map<Session *, std::shared_ptr<Session>> connections;

  GMutex startup_mutex;
  GCond startup_cond;
  bool startup_done = false;
  GError *startup_error = nullptr;

  IoThread ();
  ~IoThread ();
  void invoke (GSourceFunc func, gpointer data, GDestroyNotify notify);
  void invoke (std::function<void ()> func);
};

/* A listening TCP socket on @address:@port (0: any free port, written to
 * @bound_port), shared with other threads when @reuse_port. */
GSocket *listen_socket (const std::string & address, guint port,
    bool reuse_port, guint * bound_port, GError ** error);

}  // namespace sessionctx
