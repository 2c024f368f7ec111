/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "io/iothread.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace sessionctx {

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

GSocket *
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
   * clients that connect in bursts: 4096 here (docs/DESIGN-NOTES.md). */
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

}  // namespace sessionctx
