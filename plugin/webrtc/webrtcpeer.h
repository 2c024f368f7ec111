/* One WebRTC client of sessionsrc: its webrtcbin (ICE, DTLS, the data
 * channel) and, per kind of media, the chains its track factory makes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/keyframerequests.h"
#include "webrtc/offerinspect.h"
#include "webrtc/track.h"
#include "core/mediakind.h"
#include "stream/outputpad.h"
#include "webrtc/peersettings.h"
#include "webrtc/sendclock.h"
#include "server/server.h"

#include <gst/webrtc/webrtc.h>

#include <array>
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
  /* The caps of the element's output of @kind (a new ref), or NULL when
   * it has none (that kind's incoming media is then dropped). */
  virtual GstCaps *output_caps (sessionctx::MediaKind kind) = 0;
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

/* One WebRTC client: a bin holding its webrtcbin and, per kind of media,
 * the chains of that kind's track factory (track.h): one receive chain per
 * incoming stream, each ending in a parentless pad of ours (so sessionsrc
 * never contains a sink element), and, when the client receives, a send
 * chain from an appsrc fed by sessionsink. Incoming media the peer cannot
 * take (a kind without a factory or without output, a codec its factory
 * does not speak) ends in a parentless pad that drops it rather than
 * failing the peer (not-linked). */
struct Peer : std::enable_shared_from_this<Peer>
{
  /* What the peer keeps of one kind of media. */
  struct Track
  {
    const TrackFactory *factory = nullptr;      /* NULL: media dropped */
    /* The send chain's input, set by build (): NULL when nothing of this
     * kind is sent (no factory, or the client does not receive). */
    GstElement *appsrc = nullptr;
    /* Under #lock: */
    std::vector<GstPad *> pads; /* our parentless receive pads (owned) */
    /* The sink pads of the receive chains (owned): where requests for a
     * keyframe go out to the client. */
    std::vector<GstPad *> chain_sinks;
    std::shared_ptr<OutputPad> out;     /* set when the session starts */
    std::vector<GstBuffer *> early;     /* media before the session started */
    /* The session started without a pad of this kind: dropped. */
    bool dropped = false;
    /* The caps of the received stream (video: its size and rate), for the
     * session's pad once attached. */
    GstCaps *caps = nullptr;
  };

  GstElement *src = nullptr;    /* the element holding the peer */
  PeerOwner *owner = nullptr;
  std::shared_ptr<sessionctx::Session> session;
  std::shared_ptr<sessionctx::Server> server;
  GstElement *bin = nullptr;    /* owned ref; child of src */
  GstElement *webrtc = nullptr;
  Offer offer;                  /* set by build () */
  std::function<void (guint, std::string)> reply;
  gint64 offer_us = 0;          /* when the offer came (monotonic) */
  std::atomic<gint64> stats_fetched_us { 0 };   /* peerstats */
  std::array<Track, sessionctx::kMediaKindCount> tracks;
  /* The video's keyframe requests both ways, and their counts. */
  KeyframeRequests keyframes;
  /* The timestamps of what is sent back, every kind on one timeline
   * (its own lock). */
  SendClock send_clock;

  std::mutex lock;              /* guards everything below */
  bool answered = false;
  bool connected = false;
  bool removed = false;
  bool output_attached = false; /* attach_output () was called */
  GstWebRTCDataChannel *channel = nullptr;
  std::vector<GstPad *> dead_ends;      /* incoming media of no kind (owned) */
  std::vector<std::string> early_messages;
  /* Video sent back: at most video-max-framerate. */
  FrameRateLimit video_rate;

  /* The peer of @session, named `peer<number>`, an empty #bin for now. */
  Peer (GstElement * src, PeerOwner * owner,
      std::shared_ptr<sessionctx::Session> session,
      std::shared_ptr<sessionctx::Server> server,
      std::function<void (guint, std::string)> reply, guint number);
  ~Peer ();

  Track & track (sessionctx::MediaKind kind)
  {
    return tracks[static_cast<size_t> (kind)];
  }

  /* Fills #bin for the offer @sdp, described in @offer (webrtcbin, per
   * kind the send chain of the first m-line of that kind when the client
   * receives it, the callbacks) and gives the session its PeerLink; false
   * when webrtcbin is missing. */
  bool build (GstSDPMessage * sdp, const Offer & offer,
      const PeerSettings & settings);
  /* Hands the offer (taking @sdp) to webrtcbin, which answers through the
   * callbacks. #bin runs by now. */
  void set_remote_description (GstSDPMessage * sdp);
  /* The session started: from now on the media of @kind goes to @out, the
   * media that came before included. Called once per kind the element
   * outputs; the first call returns the data channel messages that came
   * before, for the caller to deliver (later calls return none). */
  std::vector<std::string> attach_output (sessionctx::MediaKind kind,
      std::shared_ptr<OutputPad> out);
  /* The session started without a pad of @kind: its media is dropped from
   * now on (and what came before). */
  void drop_output (sessionctx::MediaKind kind);
  /* Asks the client for a keyframe of its video (PLI), through the gate
   * of each video receive chain; takes no lock of ours while it goes. */
  void request_keyframe ();
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
