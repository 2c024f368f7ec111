/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "io/threadtypes.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <mutex>

namespace sessionctx {

void
ensure_thread_types ()
{
  static std::once_flag once;
  std::call_once (once,[] {
        /* A class reference runs the class_init, which registers the types
         * it uses in turn; the handshake threads' sockets come first. */
        const GType types[] = {
          G_TYPE_SOCKET, G_TYPE_INET_ADDRESS, G_TYPE_INET_SOCKET_ADDRESS,
          G_TYPE_SOCKET_CONNECTION, G_TYPE_TCP_CONNECTION,
          G_TYPE_SOCKET_CLIENT, G_TYPE_CANCELLABLE, G_TYPE_TASK,
          SOUP_TYPE_SERVER_MESSAGE, SOUP_TYPE_WEBSOCKET_CONNECTION,
          SOUP_TYPE_MESSAGE,
        };
        for (GType type : types)
          g_type_class_unref (g_type_class_ref (type));
        /* A session and a server made and dropped: their classes, and what
         * their instance inits meet (a session's default features). */
        g_object_unref (soup_session_new ());
        g_object_unref (soup_server_new (nullptr, nullptr));
      });
}

}  // namespace sessionctx
