/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

/**
 * SECTION:gstsessionctx
 * @title: Session context
 * @short_description: which client session a buffer belongs to
 *
 * `sessionsrc` tags every buffer it produces with a #GstSessionMeta and
 * sends a sticky session-context event on per-session pads. Anywhere
 * downstream, gst_session_context_get_current() answers "whose audio is
 * this?" the same way for WebSocket and WebRTC sessions:
 *
 * |[<!-- language="C" -->
 * GstSessionContext *ctx = gst_session_context_get_current (pad, buffer);
 * if (ctx) {
 *   g_print ("%s\n", gst_session_context_get_id (ctx));
 *   g_object_unref (ctx);
 * }
 * ]|
 */

#include <gst/sessionctx/sessionctx-prelude.h>
#include <gst/sessionctx/context.h>
#include <gst/sessionctx/meta.h>
#include <gst/sessionctx/event.h>
#include <gst/sessionctx/messages.h>
#include <gst/sessionctx/turn.h>
