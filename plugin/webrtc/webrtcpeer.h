/* One WebRTC client of sessionsrc: its webrtcbin, receive and send chains.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/offerinspect.h"
#include "stream/outputpad.h"
#include "properties/peersettings.h"
#include "server/server.h"

#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct Peer;

/* What a peer asks of the element that holds it. */
class PeerOwner
{
public:
  /* The caps of the element's output pads (a new ref). */
  virtual GstCaps *output_caps () = 0;
  /* The peer registered for @s, if any. */
  virtual std::shared_ptr<Peer> find_peer (sessionctx::Session * s) = 0;
  /* Ends @peer from another thread (see Peer::shut_down). */
  virtual void remove_peer_async (const std::shared_ptr<Peer> & peer) = 0;
  /* A data channel message the peer's session did not handle. */
  virtual void on_session_message (sessionctx::Session & s,
      const std::string & json) = 0;
  virtual void on_protocol_warning (const std::string & who,
      const char *code, const std::string & detail) = 0;
protected:
  ~PeerOwner () = default;
};

/* One WebRTC client: a bin holding its webrtcbin, the Opus receive chain
 * (ending in a parentless pad of ours, so sessionsrc never contains a sink
 * element) and, when the client receives, an appsrc → Opus send chain fed
 * by sessionsink. */
struct Peer : std::enable_shared_from_this<Peer>
{
  GstElement *src = nullptr;    /* the element holding the peer */
  PeerOwner *owner = nullptr;
  std::shared_ptr<sessionctx::Session> session;
  std::shared_ptr<sessionctx::Server> server;
  GstElement *bin = nullptr;    /* owned ref; child of src */
  GstElement *webrtc = nullptr;
  GstElement *appsrc = nullptr; /* null when the client does not receive */
  std::function<void (guint, std::string)> reply;
  std::vector<GstPad *> sinks;  /* our parentless receive pads (owned) */
  gint64 offer_us = 0;          /* when the offer came (monotonic) */
  std::atomic<gint64> stats_fetched_us { 0 };   /* peerstats */

  std::mutex lock;              /* guards everything below */
  bool answered = false;
  bool connected = false;
  bool removed = false;
  GstWebRTCDataChannel *channel = nullptr;
  std::shared_ptr<OutputPad> out;       /* set when the session starts */
  std::vector<GstBuffer *> early;       /* media before the session started */
  std::vector<std::string> early_messages;

  /* The peer of @session, named `peer<number>`, an empty #bin for now. */
  Peer (GstElement * src, PeerOwner * owner,
      std::shared_ptr<sessionctx::Session> session,
      std::shared_ptr<sessionctx::Server> server,
      std::function<void (guint, std::string)> reply, guint number);
  ~Peer ();

  /* Fills #bin for the offer @sdp (webrtcbin, the send chain when the
   * client receives, the callbacks) and gives the session its senders;
   * false when webrtcbin is missing. */
  bool build (GstSDPMessage * sdp, const OfferInfo & info,
      const PeerSettings & settings);
  /* Hands the offer (taking @sdp) to webrtcbin, which answers through the
   * callbacks. #bin runs by now. */
  void set_remote_description (GstSDPMessage * sdp);
  /* The session started: from now on the audio goes to @out, the media
   * that came before included. Returns the data channel messages that came
   * before, for the caller to deliver. */
  std::vector<std::string> attach_output (std::shared_ptr<OutputPad> out);
  void add_candidate (int mline_index, const std::string & candidate);
  /* Marks the peer removed (false if it already was), answers a pending
   * offer as failed, stops #bin and disconnects the callbacks; the owner
   * then removes #bin from itself. */
  bool shut_down ();
  /* An error from inside #bin: ends the session (a hang-up or a failure),
   * never the pipeline. */
  void handle_error (GstMessage * message);
};

/* A GDestroyNotify for a `new std::shared_ptr<Peer>`. */
void free_peer_ref (gpointer data);

/* Makes DTLS's certificate now, once per process, rather than in the first
 * peer's setup. */
void warm_up_dtls ();
