/* The handshake thread of each I/O thread: it listens, accepts, wraps TLS
 * and runs libsoup (the HTTP request, the WebSocket upgrade, /metrics, the
 * page, /webrtc/offer), at a lower scheduling priority than the threads
 * that carry media; each upgraded WebSocket connection is handed to its
 * I/O thread, which makes the session. A burst of connects then costs the
 * I/O thread only the handovers, not the handshakes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server/server.h"

#include "wire/logsafe.h"
#include "http/request.h"
#include "core/serverdebug.h"
#include "http/staticpages.h"
#include "http/unavailable.h"
#include "io/threadpolicy.h"

#include <cerrno>

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {
namespace {

/* Sessions an I/O thread makes before it looks at its media again. */
constexpr size_t kHandoversPerWakeup = 8;

/* When a WebSocket upgrade request arrived (qdata on its message). */
GQuark
request_time_quark ()
{
  static GQuark q = g_quark_from_static_string ("sessionctx-request-time");
  return q;
}

}  // namespace

/* An upgraded connection on its way to its I/O thread (what the session
 * does not take is freed with it). */
struct Handover
{
  GIOStream *stream = nullptr;
  GSocket *socket = nullptr;    /* inside stream */
  GIOStream *tls = nullptr;     /* inside stream, or NULL */
  GstSessionDialect dialect = GST_SESSION_DIALECT_FASTRTC;
  ClientAddress client;
  GstStructure *meta = nullptr;

  Handover () = default;
  Handover (const Handover &) = delete;
  Handover & operator= (const Handover &) = delete;
  ~Handover ()
  {
    g_clear_object (&stream);
    if (meta)
      gst_structure_free (meta);
  }
};

bool
Server::start_thread (Thread & t, const char *name, GError ** error)
{
  t.thread = g_thread_try_new (name, [](gpointer data)->gpointer {
        auto *t = static_cast<Thread *> (data);
        if (t->media)
          t->server->handshake_main (*t);
        else
          t->server->thread_main (*t);
        return nullptr;
      }, &t, error);
  if (!t.thread)
    return false;
  g_mutex_lock (&t.startup_mutex);
  while (!t.startup_done)
    g_cond_wait (&t.startup_cond, &t.startup_mutex);
  g_mutex_unlock (&t.startup_mutex);
  if (t.startup_error) {
    g_propagate_error (error, t.startup_error);
    t.startup_error = nullptr;
    return false;
  }
  return true;
}

void
Server::handshake_main (Thread & hs)
{
  g_main_context_push_thread_default (hs.context);
  hs.loop = g_main_loop_new (hs.context, FALSE);
  /* thread-policy=batch, the default: in the background. */
  if (config_.thread_policy == ThreadPolicy::batch && !set_background (true))
    GST_WARNING ("handshake thread %u keeps its priority: %s", hs.index,
        g_strerror (errno));

  GError *err = nullptr;
  /* raw-paths: handlers get the path as the client sent it
   * (percent-encoded). libsoup would otherwise decode it once for every
   * route, and the session API could not tell an id's %2F from a '/'
   * between segments, nor a %25 from a '%' (it decodes the id itself,
   * http/apirequest.h). The other routes compare fixed ASCII paths; the
   * page's asset names are plain names (a '%' is none). */
  hs.soup = soup_server_new ("server-header", "gst-sessionctx ",
      "raw-paths", TRUE, NULL);
  guint port = hs.index == 0 ? config_.port : bound_port_;
  guint bound = 0;
  hs.socket = listen_socket (config_.address, port, io_.size () > 1 ||
      config_.io_threads > 1, &bound, &err);
  if (hs.socket && hs.index == 0)
    bound_port_ = bound;
  if (hs.socket && config_.websocket) {
    soup_server_add_handler (hs.soup, "/websocket/offer",
        on_websocket_request, &hs, nullptr);
    soup_server_add_handler (hs.soup, "/telephone/handler",
        on_websocket_request, &hs, nullptr);
    soup_server_add_handler (hs.soup, "/telephone/incoming",
        on_telephone_incoming, &hs, nullptr);
  }
  if (hs.socket && config_.webrtc)
    soup_server_add_handler (hs.soup, "/webrtc/offer", on_http_offer, &hs,
        nullptr);
  if (hs.socket && !config_.demo_page_resource.empty ())
    static_pages_mount (hs.soup, config_.demo_page_resource, access_,
        metrics_);
  if (hs.socket && config_.metrics)
    soup_server_add_handler (hs.soup, "/metrics", on_metrics_request, &hs,
        nullptr);
  if (hs.socket) {
    soup_server_add_handler (hs.soup, "/healthz", on_health_request, &hs,
        nullptr);
    soup_server_add_handler (hs.soup, "/readyz", on_health_request, &hs,
        nullptr);
  }
  /* The session API: only with an api-token (else /sessions is 404). */
  if (hs.socket && access_.api_enabled ())
    api_.mount (hs.soup, hs, weak_from_this ());
  /* Not soup_server_listen_socket (): libsoup 3.2.3's listener leaks
   * per accepted connection. */
  if (hs.socket)
    hs.acceptor = std::make_unique<Acceptor> (hs.context, hs.soup, hs.socket,
        tls_certificate_, config_.handshake_timeout);

  g_mutex_lock (&hs.startup_mutex);
  hs.startup_error = err;
  hs.startup_done = true;
  g_cond_signal (&hs.startup_cond);
  g_mutex_unlock (&hs.startup_mutex);

  if (hs.socket) {
    GST_INFO ("handshake thread %u listening on %s:%u", hs.index,
        config_.address.c_str (), bound_port_);
    GSource *tick = g_timeout_source_new (1000);
    g_source_set_callback (tick, on_handshake_tick, &hs, nullptr);
    g_source_attach (tick, hs.context);
    g_main_loop_run (hs.loop);
    g_source_destroy (tick);
    g_source_unref (tick);
    soup_server_disconnect (hs.soup);
    hs.acceptor.reset ();
  }
  g_clear_object (&hs.socket);
  g_clear_object (&hs.soup);
  while (g_main_context_iteration (hs.context, FALSE)) {
  }
  g_main_loop_unref (hs.loop);
  hs.loop = nullptr;
  g_main_context_pop_thread_default (hs.context);
}

gboolean
Server::on_handshake_tick (gpointer user_data)
{
  auto *hs = static_cast<Thread *> (user_data);
  hs->acceptor->expire (g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

/* A request on a WebSocket path: libsoup checks the handshake and answers
 * 101 (or 400); once the 101 is written the connection is ours. */
void
Server::on_websocket_request (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  auto *hs = static_cast<Thread *> (user_data);
  Server *self = hs->server;
  /* With twilio-auth-token, Twilio's media route takes signed upgrades
   * only; a valid signature stands in for the auth-token, which Twilio
   * cannot send there (a <Stream> URL takes no query, Twilio adds no
   * header of ours). */
  const bool twilio = self->twilio_.enabled () &&
      g_str_has_prefix (path, "/telephone/handler");
  const TwilioGate::Verdict signature = twilio ?
      self->twilio_.check (msg, self->access_, true) :
      TwilioGate::Verdict::missing;
  const bool signed_ok = twilio && signature == TwilioGate::Verdict::valid;
  if (refuse_request (self->access_, msg, self->metrics_, signed_ok))
    return;
  if (twilio && !signed_ok) {
    refuse_signature (msg, self->metrics_, TelephoneCounters::handler,
        signature);
    return;
  }
  /* Draining: no new session (the connection is not upgraded). */
  if (self->draining ()) {
    self->metrics_.protocol_error (error::draining);
    respond_unavailable (msg, "draining\n");
    return;
  }
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

/* On the handshake thread: the 101 is written; the connection leaves
 * libsoup for the I/O thread. */
void
Server::on_websocket_upgraded (SoupServerMessage * msg, gpointer user_data)
{
  auto *hs = static_cast<Thread *> (user_data);
  Server *self = hs->server;
  if (auto *received = static_cast<gint64 *> (g_object_get_qdata (G_OBJECT
              (msg), request_time_quark ())))
    self->metrics_.websocket_handshake.observe ((g_get_monotonic_time () -
            *received) / 1e6);
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  auto h = std::make_shared<Handover> ();
  h->dialect = g_str_has_prefix (path, "/telephone/handler") ?
      GST_SESSION_DIALECT_TWILIO : GST_SESSION_DIALECT_FASTRTC;
  h->client = client_address_of (self->access_, msg);
  h->meta = request_metadata (msg, path, !self->config_.auth_token.empty ());

  hs->acceptor->forget (msg);
  h->stream = soup_server_message_steal_connection (msg);
  h->socket = h->stream ? Acceptor::socket_of (h->stream, &h->tls) : nullptr;
  if (!h->socket) {
    GST_WARNING ("libsoup handed over no socket for %s",
        h->client.remote.c_str ());
    return;
  }
  GST_DEBUG ("WebSocket connection on %s from %s", log_safe (path).c_str (),
      h->client.remote.c_str ());
  Thread *io = hs->media;
  bool wake;
  {
    std::lock_guard < std::mutex > lock (io->handover_lock);
    wake = io->handovers.empty ();
    io->handovers.push_back (std::move (h));
  }
  yield_to_waiting ();
  if (!wake)
    return;
  /* Below the epoll source's priority: media that is ready goes first. */
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_LOW);
  g_source_set_callback (source, on_handovers, io, nullptr);
  g_source_attach (source, io->context);
  g_source_unref (source);
}

gboolean
Server::on_handovers (gpointer user_data)
{
  auto *io = static_cast<Thread *> (user_data);
  return io->server->adopt_handovers (*io) ? G_SOURCE_CONTINUE :
      G_SOURCE_REMOVE;
}

/* On the I/O thread: the sessions of the connections handed over, a few
 * at a time (media waiting in between goes first); true while more wait. */
bool
Server::adopt_handovers (Thread & io)
{
  std::vector<std::shared_ptr<Handover>> some;
  bool more;
  {
    std::lock_guard < std::mutex > lock (io.handover_lock);
    size_t n = MIN (io.handovers.size (), kHandoversPerWakeup);
    some.assign (std::make_move_iterator (io.handovers.begin ()),
        std::make_move_iterator (io.handovers.begin () + n));
    io.handovers.erase (io.handovers.begin (), io.handovers.begin () + n);
    more = !io.handovers.empty ();
  }
  SessionHost & host = *this;
  for (auto & h : some) {
    auto session = std::make_shared<Session> (host, io,
        GST_SESSION_TRANSPORT_WEBSOCKET, h->dialect,
        std::move (h->client.remote), h->meta);
    h->meta = nullptr;
    session->set_address (std::move (h->client.ip));
    GIOStream *stream = h->stream;
    h->stream = nullptr;
    if (!session->adopt_connection (stream, h->socket, h->tls)) {
      GST_WARNING ("epoll_ctl: %s", g_strerror (errno));
      continue;
    }
    io.connections.emplace (session.get (), session);
    /* TLS may hold decrypted bytes already that epoll will never
     * announce. */
    if (h->tls)
      dispatch_.read (*session);
  }
  return more;
}

}  // namespace sessionctx
