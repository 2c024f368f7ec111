/* sessionbin's handlers: each session's made, linked, drained, failed and
 * removed (what gstsessionbin.cpp's element does with them).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sessionbin/sessionbinprivate.h"
#include "sessionbin/handlertemplate.h"
#include "sessionbin/sessionhandler.h"
#include "sessionbin/setupbacklog.h"
#include "stream/asynccall.h"
#include "stream/outputpad.h"

#include <gst/sessionctx/sessionctx.h>

#include <atomic>

GST_DEBUG_CATEGORY_EXTERN (gst_session_bin_debug);
#define GST_CAT_DEFAULT gst_session_bin_debug

using sessionbin::SessionHandler;

/* The session's handler element: the application's, else the handler
 * description filled in for it. NULL with @error set on failure. */
static GstElement *
make_handler (GstSessionBin * self, GstSessionContext * context,
    std::string & error)
{
  guint create = gst_session_bin_signals[SIGNAL_CREATE_HANDLER];
  if (g_signal_has_handler_pending (self, create, 0, FALSE)) {
    GstElement *element = nullptr;
    g_signal_emit (self, create, 0, context, &element);
    if (!element)
      error = "create-handler returned no element";
    return element;
  }
  std::string description;
  {
    std::lock_guard < std::mutex > l (self->priv->lock);
    description = self->priv->handler_description;
  }
  if (description.empty ())
    description = kSessionBinEchoHandler;
  return sessionbin::parse_handler (description, context, error);
}

/* After the handler's last part left the bin. */
static void
post_done (GstSessionBin * self, GstSessionContext * context,
    const char *result)
{
  GstStructure *s = gst_structure_new ("session-handler-done",
      "context", GST_TYPE_SESSION_CONTEXT, context,
      "session-id", G_TYPE_STRING, gst_session_context_get_id (context),
      "result", G_TYPE_STRING, result, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Removes @h (once) and posts what follows from it. */
void
remove_handler (GstSessionBin * self, const std::shared_ptr<SessionHandler> &
    h, const char *result)
{
  if (!self->priv->handlers.take (h))
    return;
  /* Removals are queued with sessionctx::call_async, whose pool runs them
   * in any order: a handler that failed and then passed an EOS on (an
   * element erring once, e.g. identity error-after) is done "failed",
   * whichever call came first. Read after take (): mark_failed () no
   * longer writes once the handler is removing. */
  if (h->failed)
    result = "failed";
  GST_DEBUG_OBJECT (self, "session %s: removing its handler (%s)",
      h->log_id ().c_str (), result);
  h->remove ();
  post_done (self, h->context (), result);
  if (self->priv->handlers.eos_due ())
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_eos (GST_OBJECT (self)));
}

struct RemoveCall
{
  std::shared_ptr<SessionHandler> handler;
  const char *result;
};

/* Removes @h from another thread: messages and signals come from
 * streaming threads that may be @h's own. */
void
remove_handler_async (GstSessionBin * self,
    const std::shared_ptr<SessionHandler> & h, const char *result)
{
  sessionctx::call_async (GST_ELEMENT (self),
      [](GstElement * element, gpointer data) {
        auto *call = static_cast<RemoveCall *> (data);
        remove_handler (GST_SESSION_BIN (element), call->handler,
            call->result);
      }, new RemoveCall { h, result }, [](gpointer data) {
        delete static_cast<RemoveCall *> (data);
      });
}

/* Ends @context's session because its handler failed: reason error, a
 * failed reply `handler_failed` where the protocol has one, a warning. */
static void
fail_session (GstSessionBin * self, GstSessionContext * context,
    const std::string & log_id, const std::string & why)
{
  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FAILED,
      ("Session %s: handler failed: %s", log_id.c_str (), why.c_str ()),
      (NULL), ("session-id", G_TYPE_STRING,
          gst_session_context_get_id (context), "error", G_TYPE_STRING,
          "handler_failed", NULL));
  if (auto session = sessionctx::session_from_context (context))
    session->fail (sessionctx::error::handler_failed);
}

void
fail_handler (GstSessionBin * self, const std::shared_ptr<SessionHandler> & h,
    const std::string & why)
{
  if (!self->priv->handlers.mark_failed (h))
    return;
  fail_session (self, h->context (), h->log_id (), why);
  remove_handler_async (self, h, "failed");
}

/* The session's first pad makes its handler, each pad is linked to it by
 * kind. */
static void
attach_session_pad (GstSessionBin * self, GstSessionContext * context,
    sessionctx::MediaKind kind, GstPad * pad)
{
  std::string error;
  if (auto h = self->priv->handlers.find (context)) {
    /* Another kind of a session whose handler runs. */
    if (!h->link (kind, pad, error))
      fail_handler (self, h, error);
    return;
  }
  start_handler (self, context, kind, pad);
}

namespace {

/* A session pad waiting for its handler: what comes meanwhile is held on
 * the pad, and let go when this goes (into the handler, or, when none was
 * made, dropped as not linked). */
struct PadSetup
{
  GWeakRef bin;
  GstSessionContext *context;   /* owned */
  sessionctx::MediaKind kind;
  GstPad *pad;                  /* owned */
  std::shared_ptr<OutputPad> out;
  std::atomic<int> *pending;    /* the bin's, while it lives */
  /* The session's output, held until its handler has started (and holds
   * it itself if it sends back): a client that says stop meanwhile still
   * gets the echo of what it sent. */
  std::weak_ptr<sessionctx::Session> session;

  PadSetup (GstSessionBin * self, GstSessionContext * ctx,
      sessionctx::MediaKind k, GstPad * p)
  :  context (GST_SESSION_CONTEXT (g_object_ref (ctx))), kind (k),
      pad (GST_PAD (gst_object_ref (p))), pending (&self->priv->pending_setups)
  {
    g_weak_ref_init (&bin, self);
    if (OutputPad * o = output_pad_of (pad)) {
      out = o->shared_from_this ();
      std::lock_guard < std::mutex > l (out->lock);
      out->held = true;
    }
    pending->fetch_add (1);
    if (auto s = sessionctx::session_from_context (context)) {
      s->hold_output ();
      session = s;
    }
  }
  ~PadSetup ()
  {
    if (out)
      out->release ();
    if (auto s = session.lock ())
      s->release_output ();
    gst_object_unref (pad);
    g_object_unref (context);
    if (auto *self = static_cast<GstSessionBin *> (g_weak_ref_get (&bin))) {
      pending->fetch_sub (1);
      gst_object_unref (self);
    }
    g_weak_ref_clear (&bin);
  }
  PadSetup (const PadSetup &) = delete;
  PadSetup & operator= (const PadSetup &) = delete;
};

}  // namespace

void
on_session_pad (GstElement *, GstPad * pad, gpointer data)
{
  auto *self = GST_SESSION_BIN (data);
  GstSessionContext *context = gst_session_context_get_current (pad, nullptr);
  if (!context)
    return;                     /* the interleaved pad */
  sessionctx::MediaKind kind;
  if (!sessionbin::pad_media_kind (pad, &kind)) {
    g_object_unref (context);
    return;
  }
  /* Nothing is queued on it yet: the session's media comes after this.
   * On an I/O thread the setup waits for its turn between that thread's
   * rounds of media (setupbacklog.h: a burst of new sessions does not
   * hold up the live ones); the pad holds the session's media till then,
   * exempt from max-latency. Anywhere else it is set up now. */
  auto setup = std::make_shared<PadSetup> (self, context, kind, pad);
  g_object_unref (context);
  auto run = [setup] {
    auto *bin = static_cast<GstSessionBin *> (g_weak_ref_get (&setup->bin));
    if (!bin)
      return;
    attach_session_pad (bin, setup->context, setup->kind, setup->pad);
    gst_object_unref (bin);
  };
  if (!sessionbin::defer_setup (run))
    run ();
}

/* Waits (up to @timeout_ms) until no session pad waits for its handler
 * to be set up: their I/O threads run them between rounds. */
static void
wait_setups (GstSessionBin * self, guint timeout_ms)
{
  const gint64 until = g_get_monotonic_time () +
      timeout_ms * G_TIME_SPAN_MILLISECOND;
  while (self->priv->pending_setups.load () > 0
      && g_get_monotonic_time () < until)
    g_usleep (1000);
}

void
start_handler (GstSessionBin * self, GstSessionContext * context,
    sessionctx::MediaKind kind, GstPad * pad)
{
  std::string error;
  const gint64 t0 = g_get_monotonic_time ();
  GstElement *element = make_handler (self, context, error);
  if (!element) {
    fail_session (self, context, sessionbin::sanitize
        (gst_session_context_get_id (context)), error);
    return;
  }
  auto h = std::make_shared<SessionHandler> (GST_BIN (self), context,
      element);
  /* An audio output's EOS, on the streaming thread: as a sink's EOS
   * message (gst_session_bin_handle_message). */
  h->output_finished = [self, weak = std::weak_ptr<SessionHandler> (h)] {
    if (auto handler = weak.lock ())
      if (self->priv->handlers.eos (handler, nullptr))
        remove_handler_async (self, handler, "finished");
  };
  /* Known before it starts (its errors while starting are its own), and
   * again with its output stages once started. */
  self->priv->handlers.add (h);
  bool started = h->start (error, kind, pad);
  self->priv->handlers.add (h);
  if (!started) {
    fail_handler (self, h, error);
    return;
  }
  /* Its sinks' latency, once they are all known (their LATENCY messages
   * while starting may come before: gst_session_bin_handle_message). */
  self->priv->setup.post ([h] {
        h->distribute_latency ();
      });
  /* tests/bench/run_sessionbin.sh reads this line. */
  GST_INFO_OBJECT (self, "session %s: handler ready in %" G_GINT64_FORMAT
      " us", h->log_id ().c_str (), g_get_monotonic_time () - t0);
}

/* What a session pad feeds failed (not-negotiated, a flow error), on that
 * pad's streaming thread: the inner sessionsrc ends the session; the
 * handler goes. The warning is sessionbin's (once, whichever of the
 * handler's error and the flow error came first). */
gboolean
on_session_failed (GstElement *, GstSessionContext * context,
    const gchar * flow, gpointer data)
{
  auto *self = GST_SESSION_BIN (data);
  auto h = self->priv->handlers.find (context);
  if (!h)
    return FALSE;               /* no handler of ours: sessionsrc warns */
  if (self->priv->handlers.mark_failed (h))
    GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FAILED,
        ("Session %s: handler failed: %s", h->log_id ().c_str (), flow),
        ("streaming of the session stopped, reason %s", flow),
        ("session-id", G_TYPE_STRING, gst_session_context_get_id (context),
            "error", G_TYPE_STRING, sessionctx::error::handler_failed,
            "flow-return", G_TYPE_STRING, flow, NULL));
  remove_handler_async (self, h, "failed");
  return TRUE;
}

struct DrainTimer
{
  GWeakRef bin;
  std::weak_ptr<SessionHandler> handler;
};

static gboolean
on_drain_timeout (GstClock *, GstClockTime, GstClockID, gpointer data)
{
  auto *timer = static_cast<DrainTimer *> (data);
  auto h = timer->handler.lock ();
  auto *self = static_cast<GstSessionBin *> (g_weak_ref_get (&timer->bin));
  if (h && self) {
    GST_WARNING_OBJECT (self, "session %s: handler did not finish in time",
        h->log_id ().c_str ());
    remove_handler_async (self, h, "timeout");
  }
  if (self)
    gst_object_unref (self);
  return TRUE;
}

/* The session ended: its EOS is on the way; give the handler
 * handler-timeout to finish. */
void
start_drain (GstSessionBin * self, GstSessionContext * context)
{
  guint timeout;
  {
    std::lock_guard < std::mutex > l (self->priv->lock);
    timeout = self->priv->handler_timeout;
  }
  auto *timer = new DrainTimer;
  g_weak_ref_init (&timer->bin, self);
  timer->handler = self->priv->handlers.find (context);
  self->priv->handlers.start_drain (context, timeout, on_drain_timeout, timer,
      [](gpointer data) {
        auto *timer = static_cast<DrainTimer *> (data);
        g_weak_ref_clear (&timer->bin);
        delete timer;
      });
}

/* Ends every handler (EOS into each session), waits for them to finish. */
void
finish_handlers (GstSessionBin * self)
{
  guint timeout;
  {
    std::lock_guard < std::mutex > l (self->priv->lock);
    timeout = self->priv->handler_timeout;
  }
  /* Sessions whose handlers are still owed get them first (their media
   * is held until then, and must reach a handler before the EOS). */
  wait_setups (self, timeout * 1000);
  if (self->priv->handlers.all ().empty ())
    return;
  gst_element_send_event (self->priv->src, gst_event_new_eos ());
  self->priv->handlers.wait_empty (timeout);
}

void
remove_all_handlers (GstSessionBin * self)
{
  for (auto & h : self->priv->handlers.all ())
    remove_handler (self, h, "timeout");
}
