/* A real libsoup WebSocket client on the default main context.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "common/wait.h"

#include <string>
#include <vector>

namespace test {

/* A WebSocket client on the default main context (libsoup 3). */
class WsClient
{
public:
  WsClient () = default;
  WsClient (const WsClient &) = delete;
  ~WsClient ()
  {
    if (conn) {
      g_signal_handlers_disconnect_by_data (conn, this);
      g_object_unref (conn);
    }
    if (session)
      g_object_unref (session);
  }

  bool connect (guint port, const std::string & path_and_query)
  {
    session = soup_session_new ();
    std::string url = "ws://127.0.0.1:" + std::to_string (port) +
        path_and_query;
    SoupMessage *msg = soup_message_new ("GET", url.c_str ());
    bool done = false;
    struct Ctx
    {
      WsClient *self;
      bool *done;
    } ctx { this, &done };
    soup_session_websocket_connect_async (session, msg, nullptr, nullptr,
        G_PRIORITY_DEFAULT, nullptr,[](GObject * src, GAsyncResult * res,
            gpointer data) {
          auto *c = static_cast<Ctx *> (data);
          GError *err = nullptr;
          c->self->conn = soup_session_websocket_connect_finish
              (SOUP_SESSION (src), res, &err);
          if (err) {
            c->self->error = err->message;
            g_error_free (err);
          }
          *c->done = true;
        }, &ctx);
    g_object_unref (msg);
    wait_for ([&] {
          return done;
        }, 10000);
    if (!conn)
      return false;
    soup_websocket_connection_set_max_incoming_payload_size (conn, 0);
    g_signal_connect (conn, "message", G_CALLBACK (+[](SoupWebsocketConnection *,
                gint type, GBytes * bytes, gpointer data) {
              auto *self = static_cast<WsClient *> (data);
              gsize len;
              const char *d = (const char *) g_bytes_get_data (bytes, &len);
              self->messages.emplace_back (d, len);
              self->binary.push_back (type == SOUP_WEBSOCKET_DATA_BINARY);
              self->times_us.push_back (g_get_monotonic_time ());
            }), this);
    g_signal_connect (conn, "closed", G_CALLBACK (+[](SoupWebsocketConnection
                * c, gpointer data) {
              auto *self = static_cast<WsClient *> (data);
              self->closed = true;
              self->close_code = soup_websocket_connection_get_close_code (c);
            }), this);
    return true;
  }

  /* Sends only while OPEN: the server may have started closing. */
  void send (const std::string & text)
  {
    if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_send_text (conn, text.c_str ());
  }
  void send_binary (const std::string & data)
  {
    soup_websocket_connection_send_binary (conn, data.data (), data.size ());
  }
  void close (gushort code = SOUP_WEBSOCKET_CLOSE_NORMAL)
  {
    soup_websocket_connection_close (conn, code, nullptr);
  }
  bool wait_closed (guint ms = 5000)
  {
    return wait_for ([this] {
          return closed;
        }, ms);
  }
  /* Index of the first message containing @needle after @from, or -1. */
  int find (const std::string & needle, size_t from = 0) const
  {
    for (size_t i = from; i < messages.size (); i++)
      if (messages[i].find (needle) != std::string::npos)
        return (int) i;
    return -1;
  }
  bool wait_for_count (size_t n, guint ms = 5000)
  {
    return wait_for ([&] {
          return messages.size () >= n;
        }, ms);
  }
  bool wait_message (const std::string & needle, guint ms = 5000)
  {
    return wait_for ([&] {
          return find (needle) >= 0;
        }, ms);
  }

  SoupSession *session = nullptr;
  SoupWebsocketConnection *conn = nullptr;
  std::vector<std::string> messages;
  std::vector<bool> binary;     /* per message: a binary frame */
  std::vector<gint64> times_us; /* per message: when it arrived */
  bool closed = false;
  gushort close_code = 0;
  std::string error;
};

}  // namespace test
