/* What sessionbin's element (gstsessionbin.cpp) and its handlers
 * (sessionbinhandlers.cpp) share: the instance, its signals, and what the
 * element asks of the handlers.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sessionbin/gstsessionbin.h"
#include "sessionbin/handlerset.h"
#include "sessionbin/setupqueue.h"
#include "core/mediakind.h"

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

/* With no handler: each session gets its own media back, every kind (a
 * pass-through per kind, told apart by caps). */
constexpr const char *kSessionBinEchoHandler =
    "capsfilter caps=audio/x-raw  capsfilter caps=video/x-raw";
constexpr guint kDefaultHandlerTimeout = 5;

enum
{
  SIGNAL_CREATE_HANDLER,
  SIGNAL_SESSION_MESSAGE,
  SIGNAL_SESSION_MARK,
  SIGNAL_AUTHORIZE,
  SIGNAL_DRAIN,
  SIGNAL_SEND_MESSAGE,
  SIGNAL_LAST,
};
extern guint gst_session_bin_signals[SIGNAL_LAST];

struct GstSessionBinPrivate
{
  GstSessionBin *self;
  GstElement *src;              /* the inner sessionsrc, session-pads=true */

  sessionbin::HandlerSet handlers;
  /* Where each session's sink latency is configured, off the thread
   * that asks (handlers themselves: setupbacklog.h). */
  sessionbin::SetupQueue setup;
  /* Session pads waiting for their handler (on_session_pad). */
  std::atomic<int> pending_setups { 0 };

  /* Guards the settings. */
  std::mutex lock;
  std::string handler_description;
  guint handler_timeout = kDefaultHandlerTimeout;

  explicit GstSessionBinPrivate (GstSessionBin * bin)
  :  self (bin), handlers (GST_BIN (bin))
  {
  }
};

struct _GstSessionBin
{
  GstBin parent;
  GstSessionBinPrivate *priv;
};

namespace sessionbin {
class SessionHandler;
}

/* sessionbinhandlers.cpp */
/* The inner sessionsrc's `pad-added` (server thread): the pad holds what
 * comes while the session's handler is made (on its first pad, between
 * the I/O thread's rounds of media), linked and started, then lets it
 * flow. */
void on_session_pad (GstElement * src, GstPad * pad, gpointer data);
/* Makes and starts @context's handler, linked to
 * @pad of @kind, or to nothing when @pad is NULL (a client that sends
 * nothing: the handler's own sources make what it gets). */
void start_handler (GstSessionBin * self, GstSessionContext * context,
    sessionctx::MediaKind kind, GstPad * pad);
/* The inner sessionsrc's `session-failed`: its handler fails with it. */
gboolean on_session_failed (GstElement * src, GstSessionContext * context,
    const gchar * flow, gpointer data);
/* @context ended: its handler gets handler-timeout to finish. */
void start_drain (GstSessionBin * self, GstSessionContext * context);
void remove_handler (GstSessionBin * self,
    const std::shared_ptr<sessionbin::SessionHandler> & h, const char *result);
void remove_handler_async (GstSessionBin * self,
    const std::shared_ptr<sessionbin::SessionHandler> & h, const char *result);
void fail_handler (GstSessionBin * self,
    const std::shared_ptr<sessionbin::SessionHandler> & h,
    const std::string & why);
/* Ends every handler (EOS into each session), waits for them to finish. */
void finish_handlers (GstSessionBin * self);
void remove_all_handlers (GstSessionBin * self);
