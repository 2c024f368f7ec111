/* What a service manager and a load balancer ask of a server: that it
 * drain (take no new session, let the live ones finish, close what is
 * left at a deadline, say when none is left), and whether it is alive
 * (/healthz) and takes sessions (/readyz).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server/server.h"

#include "core/serverdebug.h"
#include "http/unavailable.h"

#include <cstring>

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {

/* ------------------------------------------------------------------ */
/* Drain                                                                */

void
Server::drain (guint timeout_s)
{
  if (draining_.exchange (true))
    return;
  /* Claims fail from here on (under the table's lock): the table only
   * shrinks, so once it is empty it stays so. */
  sessions_.close_to_new ();
  metrics_.health.set_draining ();
  if (timeout_s)
    drain_deadline_us_.store (g_get_monotonic_time () +
        (gint64) timeout_s * G_USEC_PER_SEC);
  GST_INFO ("draining: %zu live sessions, drain-timeout %u s (0: none)",
      sessions_.size (), timeout_s);
  check_drained ();
}

bool
Server::drain_overdue (gint64 now) const
{
  gint64 deadline = drain_deadline_us_.load ();
  return deadline && now >= deadline && draining ();
}

void
Server::close_for_drain (Thread & io)
{
  std::vector<std::shared_ptr<Session>> open;
  for (auto &[ptr, s] : io.connections)
    if (!s->closing () && !s->ended ())
      open.push_back (s);
  if (!open.empty ())
    GST_INFO ("drain-timeout: closing %zu connections of I/O thread %u",
        open.size (), io.index);
  /* WebRTC sessions end as at time-limit: their peer is removed. */
  for (auto & s : open)
    s->close (GST_SESSION_END_REASON_SHUTDOWN, ws::kCloseGoingAway,
        "server draining");
}

void
Server::session_leaving (bool begins)
{
  if (begins) {
    leaving_.fetch_add (1);
    return;
  }
  if (leaving_.fetch_sub (1) == 1)
    check_drained ();
}

void
Server::check_drained ()
{
  /* Sequentially consistent with drain (): either it sees the last
   * session gone, or the last leaving session sees it draining. */
  if (!draining_.load () || leaving_.load () != 0 || sessions_.size () != 0)
    return;
  if (drained_.exchange (true))
    return;
  GST_INFO ("drained: no session left");
  if (listener_)
    listener_->on_drained ();
}

/* ------------------------------------------------------------------ */
/* /healthz, /readyz                                                    */

/* /healthz: the process answers (nothing else is looked at). /readyz:
 * whether a new session would be taken: not while draining, not at
 * max-sessions (the live count, read under the table's leaf lock). */
void
Server::on_health_request (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  auto *hs = static_cast<Thread *> (user_data);
  Server *self = hs->server;
  if (refuse_request (self->access_, msg, self->metrics_))
    return;
  const bool ready = g_strcmp0 (path, "/readyz") == 0;
  if (!ready && g_strcmp0 (path, "/healthz") != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, nullptr);
    return;
  }
  HealthCounters::Path which = ready ? HealthCounters::readyz :
      HealthCounters::healthz;
  const char *method = soup_server_message_get_method (msg);
  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "HEAD") != 0) {
    self->metrics_.health.request (which, SOUP_STATUS_METHOD_NOT_ALLOWED);
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Allow", "GET, HEAD");
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
        nullptr);
    return;
  }
  const char *refusal = nullptr;
  if (ready && self->draining ())
    refusal = "draining\n";
  else if (ready && self->config_.max_sessions &&
      self->sessions_.size () >= self->config_.max_sessions)
    refusal = "full\n";
  if (refusal) {
    self->metrics_.health.request (which, SOUP_STATUS_SERVICE_UNAVAILABLE);
    respond_unavailable (msg, refusal);
    return;
  }
  self->metrics_.health.request (which, SOUP_STATUS_OK);
  const char *body = ready ? "ready\n" : "ok\n";
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  /* A probe stands alone (libsoup 3.2 keeps idle keep-alive connections a
   * client closed: see signalling's respond ()). */
  soup_message_headers_replace (out, "Connection", "close");
  soup_message_headers_replace (out, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, nullptr);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8",
      SOUP_MEMORY_STATIC, body, strlen (body));
}

}  // namespace sessionctx
