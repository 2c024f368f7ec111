/* sessionsrc's private state, shared by the element (gstsessionsrc.cpp)
 * and its WebRTC glue (sessionsrcwebrtc.cpp).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sessionsrc/gstsessionsrc.h"

#include "sessionsrc/sessionstreams.h"
#include "stream/outputpad.h"
#include "properties/serverproperties.h"
#include "webrtc/webrtcpeer.h"

#include "server/server.h"

#include <gst/sessionctx/sessionctx.h>

#include <mutex>
#include <unordered_map>

GST_DEBUG_CATEGORY_EXTERN (gst_session_src_debug);

/* Lock order: State::lock, then OutputPad::lock; a Peer's lock before
 * either. ServerSettings::lock and SessionPads' lock are never held with
 * another. */

struct GstSessionSrcPrivate;

struct _GstSessionSrc
{
  GstBin parent;
  GstSessionSrcPrivate *priv;
};

/* The server's listener; dispatches to the pads, each session's streams
 * (SessionStreams) and the WebRTC peers. */
struct GstSessionSrcPrivate : public sessionctx::ServerListener,
    public OutputPad::Owner, public PeerOwner
{
  /* In gstsessionsrc.cpp, with the pad templates. */
  explicit GstSessionSrcPrivate (GstSessionSrc * s);

  GstSessionSrc *self;
  ServerSettings settings;
  SessionPads session_pads;

  struct State
  {
    std::mutex lock;
    std::shared_ptr<sessionctx::Server> server;
    std::shared_ptr<OutputPad> main;
    std::unordered_map<sessionctx::Session *, std::shared_ptr<Peer>> peers;
    guint next_peer = 0;
    /* Copied from settings at start; read on the server thread. */
    int rate = kDefaultRate;
    bool session_pads_mode = false;
    GstClockTime max_latency = kDefaultMaxLatency;
  } state;

  /* OutputPad::Owner and PeerOwner: the raw caps of @kind's pads, NULL
   * for a kind the element has no pads of (a peer then drops that kind's
   * media); in gstsessionsrc.cpp, takes the state lock. */
  GstCaps *output_caps (sessionctx::MediaKind kind) override;
  void session_pad_finished (OutputPad * out) override
  {
    session_pads.remove_async (out);
  }
  void session_pad_failed (OutputPad * out, GstFlowReturn ret) override;
  void dropped (OutputPad * out, GstBuffer * buf) override;

  /* ServerListener (and PeerOwner: on_session_message,
   * on_protocol_warning) */
  void on_session_started (const std::shared_ptr<sessionctx::Session> & s)
      override;
  void on_session_media (sessionctx::Session & s, sessionctx::Encoding encoding,
      const uint8_t * data, size_t len) override;
  void on_session_dtmf (sessionctx::Session & s, const std::string & digit)
      override;
  void on_session_mark (sessionctx::Session & s, const std::string & name)
      override;
  void on_session_message (sessionctx::Session & s,
      const std::string & json) override;
  void on_session_ended (sessionctx::Session & s,
      GstSessionEndReason reason) override;
  bool authorize (sessionctx::Session & s, const std::string & id) override;
  void on_protocol_warning (const std::string & who, const char *code,
      const std::string & detail) override;
  void on_webrtc_offer (const std::shared_ptr<sessionctx::Session> & s,
      const std::string & sdp,
      std::function<void (guint, std::string)> reply) override;
  void on_webrtc_candidate (sessionctx::Session & s, int mline_index,
      const std::string & candidate) override;
  /* sessionsrcwebrtc.cpp: a child's @message that stays inside the
   * element (a peer's state change, a peer's error: that peer's session
   * ends). True when it was taken (unreffed). */
  bool take_peer_message (GstMessage * message);
  /* sessionsrcdrain.cpp: the drain is complete. */
  void on_drained () override;

  /* sessionsrcdrain.cpp: @event (an EOS, taken) on every pad after what
   * is queued there, as an application EOS. */
  void queue_eos (GstEvent * event);

  /* PeerOwner */
  std::shared_ptr<Peer> find_peer (sessionctx::Session * s) override
  {
    std::lock_guard < std::mutex > l (state.lock);
    auto it = state.peers.find (s);
    return it == state.peers.end ()? nullptr : it->second;
  }
  void remove_peer_async (const std::shared_ptr<Peer> & peer) override;
  void remove_peer (const std::shared_ptr<Peer> & peer);
};

/* sessionsrcdrain.cpp: the drain and drained signals (drain's class
 * handler drains the running server). */
void gst_session_src_install_drain (GstSessionSrcClass * klass);
