/* sessionsrc's drain: the action signal that stops the server taking new
 * sessions while the live ones finish, and the end of the stream once
 * none is left (the drained signal, else EOS on every pad).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sessionsrc/sessionsrcprivate.h"

#define GST_CAT_DEFAULT gst_session_src_debug

using sessionctx::Server;

namespace {

enum
{
  SIGNAL_DRAIN,
  SIGNAL_DRAINED,
  LAST_SIGNAL,
};
guint signals[LAST_SIGNAL];

/* drain's class handler: the running server drains for drain-timeout. */
void
gst_session_src_drain (GstSessionSrc * self)
{
  GstSessionSrcPrivate *priv = self->priv;
  std::shared_ptr<Server> server;
  {
    std::lock_guard < std::mutex > l (priv->state.lock);
    server = priv->state.server;
  }
  guint timeout;
  {
    std::lock_guard < std::mutex > l (priv->settings.lock);
    timeout = priv->settings.server.drain_timeout;
  }
  if (!server) {
    GST_WARNING_OBJECT (self, "drain: the element is not running");
    return;
  }
  GST_INFO_OBJECT (self, "draining: %zu live sessions, drain-timeout %u s",
      server->n_sessions (), timeout);
  server->drain (timeout);
}

}  // namespace

void
GstSessionSrcPrivate::queue_eos (GstEvent * event)
{
  std::vector<std::shared_ptr<OutputPad>> pads = session_pads.list ();
  pads.push_back (state.main);
  for (auto & out : pads)
    out->push (GST_MINI_OBJECT_CAST (gst_event_copy (event)));
  gst_event_unref (event);
}

void
GstSessionSrcPrivate::on_drained ()
{
  gboolean handled = FALSE;
  g_signal_emit (self, signals[SIGNAL_DRAINED], 0, &handled);
  GST_INFO_OBJECT (self, "drained: no session left%s", handled ? "" :
      "; EOS on every pad");
  if (!handled)
    queue_eos (gst_event_new_eos ());
}

void
gst_session_src_install_drain (GstSessionSrcClass * klass)
{
  /**
   * GstSessionSrc::drain:
   * @src: the element
   *
   * Action signal: stop taking new sessions while the live ones finish —
   * what a service does on SIGTERM (`gst-sessionctx-serve` emits it).
   * From now on WebSocket upgrades and WebRTC offers get HTTP 503
   * `draining` with `Retry-After`, a WebSocket upgraded before whose
   * `start` comes now gets a failed reply `draining` and close 1001, and
   * `/readyz` answers 503 `draining` (so a load balancer sends new
   * callers elsewhere); trickled candidates of live WebRTC sessions still
   * pass. The live sessions go on until they end or
   * #GstSessionSrc:drain-timeout passes; then they are closed (reason
   * `shutdown`, 1001 "server draining"). When no session is left,
   * #GstSessionSrc::drained is emitted, and unless a handler takes it,
   * EOS goes out on every pad after what is queued there: the pipeline
   * ends as with `gst-launch-1.0 -e` (recordings complete). With no live
   * session that happens at once. Emitting it again, or on an element
   * that is not running, changes nothing. #GstSessionSrc:draining
   * reflects it.
   */
  signals[SIGNAL_DRAIN] = g_signal_new_class_handler ("drain",
      G_TYPE_FROM_CLASS (klass),
      (GSignalFlags) (G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK (gst_session_src_drain), NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * GstSessionSrc::drained:
   * @src: the element
   *
   * A drain (#GstSessionSrc::drain) is complete: every session has ended
   * (its `session-ended` posted, its last audio and end queued on its
   * pad). Emitted once, on the server thread that ended the last session,
   * or in the drain signal's emission when none was live; the handler
   * must not change the element's state.
   *
   * Returns: TRUE when the handler ends the stream itself (sessionbin
   * posts its EOS once its handlers have finished); FALSE or no handler:
   * sessionsrc queues EOS on every pad
   */
  signals[SIGNAL_DRAINED] = g_signal_new ("drained",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
      g_signal_accumulator_true_handled, NULL, NULL, G_TYPE_BOOLEAN, 0);
}
