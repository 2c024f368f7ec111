/* One session's handler inside a sessionbin: the handler element, the
 * output stage of each kind it sends back, and its end.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/mediakind.h"
#include "session/session.h"

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sessionbin {

class SessionOutput;

/* One handler per session, whatever the number of its media: each session
 * pad (one per kind) is linked to the handler's free sink pad of that kind
 * (matched by caps); each handler source pad of a kind that can be sent
 * back gets that kind's output stage (audio: a SessionOutput, behind
 * audioconvert ! audioresample unless the handler sends its format
 * already; video: an appsink). */
class SessionHandler
{
public:
  /* Takes @handler (floating or a full reference). */
  SessionHandler (GstBin * bin, GstSessionContext * context,
      GstElement * handler);
  ~SessionHandler ();
  SessionHandler (const SessionHandler &) = delete;
  SessionHandler & operator= (const SessionHandler &) = delete;

  /* Adds the handler to the bin, links @first (the session's pad of
   * @kind, holding its media until this is done; may be NULL) to it, adds
   * an output stage for each of its source pads whose kind can be sent
   * back, and starts them. False with @error filled when any step fails,
   * or when the handler neither sends anything back nor ends in a sink;
   * remove () then undoes what was done. */
  bool start (std::string & error, sessionctx::MediaKind kind =
      sessionctx::MediaKind::audio, GstPad * first = nullptr);
  /* Links @session_pad, the session's pad of @kind, to the handler's free
   * sink pad of that kind. A kind the handler takes no sink pad of is left
   * unlinked (its media is dropped) unless it is the first kind and the
   * handler has no free sink pad at all: then false with @error. */
  bool link (sessionctx::MediaKind kind, GstPad * session_pad,
      std::string & error);
  /* The bin's direct children that belong to this handler. */
  const std::vector<GstElement *> &elements () const { return elements_; }
  /* An EOS message from @child, or (NULL) an audio output's EOS: true once
   * every sink of the session has finished (the handler's own sinks, each
   * output stage's end). */
  bool on_eos (GstElement * child);
  /* Called on a streaming thread when an audio output stage's EOS came;
   * set before start (). */
  std::function<void ()> output_finished;
  /* Stops and removes every element, and lets the session close
   * (Session::release_output); from any thread but this session's
   * streaming threads. */
  void remove ();
  /* Every audio output stage refuses what comes from now on (a buffer
   * waiting for its time returns at once): before the bin stops. */
  void stop_outputs ();
  /* The latency of this session's sinks (the handler's own and each output
   * stage's): their upstream latency queried, the largest minimum sent to
   * each as a LATENCY event, as a pipeline does for all its sinks — but
   * for this session alone (sessionbin.cpp, GST_MESSAGE_LATENCY). */
  void distribute_latency ();

  /* A turn (@turn of @by, the element whose turn-started asked for it)
   * starts while a reply may play: if the audio output stage let audio
   * through that plays at @now (running time), what comes out of the
   * handler is dropped until that turn ends (turn_ended ()), and the
   * session is cleared. True when a reply was cut. Any thread. */
  bool cut_reply (GstObject * by, guint turn, GstClockTime now);
  /* @turn of @by ended: what the handler makes passes again. */
  void turn_ended (GstObject * by, guint turn);

  GstSessionContext *context () const { return context_; }
  /* The id as it may appear in logs and text: sanitized. */
  const std::string & log_id () const { return log_id_; }
  bool sends_back () const
  {
    return !output_sinks_.empty () || !outputs_.empty ();
  }

  /* Kept by the HandlerSet, under its lock. */
  bool ended = false;           /* the session ended; draining */
  bool failed = false;
  bool removing = false;
  GstClockID drain_timer = nullptr;

private:
  /* The output stage that sends @src_pad's @kind back to the client;
   * false with @error when it cannot be built. */
  bool add_output_stage (sessionctx::MediaKind kind, GstPad * src_pad,
      std::string & error);
  bool add_video_output_stage (GstPad * src_pad, std::string & error);
  /* The audio outputs (they live as long as this), taken under the cut
   * lock: called into without it. */
  std::vector<SessionOutput *> outputs ();
  /* New elements of @factories added to the bin (and to this handler),
   * linked in order, in @stage; false with @error when one is missing or
   * does not link. */
  bool add_chain (std::initializer_list<const char *> factories,
      std::vector<GstElement *> & stage, std::string & error);

  GstBin *bin_;
  GstSessionContext *context_;
  std::string log_id_;
  GstElement *handler_;
  /* A send-receive handler holds its session's output until removed. */
  std::weak_ptr<sessionctx::Session> held_;
  std::vector<GstElement *> elements_;  /* handler first, then the stages */
  struct OutputSink
  {
    GstElement *sink;           /* in elements_ */
    bool eos;
  };
  std::vector<OutputSink> output_sinks_;     /* video's appsinks */
  /* The audio output stages' ends; the turn that cut the reply (its
   * element only compared, never used). */
  std::mutex cut_lock_;         /* a leaf */
  std::vector<std::unique_ptr<SessionOutput>> outputs_;
  GstObject *cut_by_ = nullptr;
  guint cut_turn_ = 0;
  int kinds_linked_ = 0;
  bool handler_has_sinks_ = false;
  bool handler_eos_ = false;
};

/* The first unlinked @direction pad of @element whose caps can be raw
 * media of @kind (audio/x-raw, video/x-raw). Transfer full. */
GstPad *find_pad_of_kind (GstElement * element, GstPadDirection direction,
    sessionctx::MediaKind kind);

/* The kind of the raw media @pad carries (its current caps), false when
 * it has none or carries something else. */
bool pad_media_kind (GstPad * pad, sessionctx::MediaKind * kind);

}  // namespace sessionbin
