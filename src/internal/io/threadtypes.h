/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

namespace sessionctx {

/* The GObject classes the server's threads create (libsoup's server,
 * session and messages, GIO's sockets and addresses), initialised on the
 * calling thread, once per process. Call it before starting threads.
 *
 * Why: GLib 2.74's type system can deadlock when two threads meet a type
 * for the first time together. One thread registers a type whose get_type
 * adds an interface (g_type_add_interface_static takes the class-init
 * lock); another, inside a class_init under that lock, waits for the same
 * get_type to finish. Seen here as a server that never listened: the
 * directory's forwarder thread in soup_session_new () (SoupSession's
 * class_init calls g_inet_socket_address_get_type ()) against a handshake
 * thread's first g_inet_socket_address_new (), both stuck for good. */
void ensure_thread_types ();

}  // namespace sessionctx
