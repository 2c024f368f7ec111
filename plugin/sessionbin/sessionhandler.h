/* One session's handler inside a sessionbin: the handler element, the
 * chain that takes its output back to the client, and its end.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "session/session.h"

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.h>

#include <memory>
#include <string>
#include <vector>

namespace sessionbin {

class SessionHandler
{
public:
  /* Takes @handler (floating or a full reference). */
  SessionHandler (GstBin * bin, GstSessionContext * context,
      GstElement * handler);
  ~SessionHandler ();
  SessionHandler (const SessionHandler &) = delete;
  SessionHandler & operator= (const SessionHandler &) = delete;

  /* Adds the handler to the bin (and, when it has a source pad, the chain
   * to a sessionsink: audioconvert ! audioresample ! sessionsink), links
   * @session_pad to its sink pad and starts it. False with @error filled
   * when any step fails; remove () then undoes what was done. */
  bool attach (GstPad * session_pad, std::string & error);
  /* The bin's direct children that belong to this handler. */
  const std::vector<GstElement *> &elements () const { return elements_; }
  /* An EOS message from @child: true once every sink of the session has
   * finished (the handler's own sinks, the sessionsink). */
  bool on_eos (GstElement * child);
  /* Stops and removes every element, and lets the session close
   * (Session::release_output); from any thread but this session's
   * streaming threads. */
  void remove ();

  GstSessionContext *context () const { return context_; }
  /* The id as it may appear in logs and text: sanitized. */
  const std::string & log_id () const { return log_id_; }
  bool sends_back () const { return sink_ != nullptr; }

  /* Kept by the HandlerSet, under its lock. */
  bool ended = false;           /* the session ended; draining */
  bool failed = false;
  bool removing = false;
  GstClockID drain_timer = nullptr;

private:
  GstBin *bin_;
  GstSessionContext *context_;
  std::string log_id_;
  GstElement *handler_;
  GstElement *sink_ = nullptr;
  /* A send-receive handler holds its session's output until removed. */
  std::weak_ptr<sessionctx::Session> held_;
  std::vector<GstElement *> elements_;  /* handler first, then the chain */
  bool handler_has_sinks_ = false;
  bool handler_eos_ = false;
  bool sink_eos_ = false;
};

/* The first unlinked @direction pad of @element whose caps can be raw
 * audio (a handler may later also have video pads). Transfer full. */
GstPad *find_audio_pad (GstElement * element, GstPadDirection direction);

}  // namespace sessionbin
