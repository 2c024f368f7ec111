/* One WebRTC client of sessionsrc.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/webrtcpeer.h"
#include "webrtc/peerreceive.h"
#include "webrtc/audiotrack.h"
#include "webrtc/srtpshutdown.h"
#include "webrtc/videocodec.h"
#include "wire/logsafe.h"

#include "audio/audioingest.h"
#include "webrtc/peerstats.h"
#include "webrtc/senddrop.h"

#include <gst/app/gstappsrc.h>
#include <gst/sessionctx/sessionctx.h>

#include <map>

/* sessionsrc's category: peers live inside it. */
GST_DEBUG_CATEGORY_EXTERN (gst_session_src_debug);
#define GST_CAT_DEFAULT gst_session_src_debug

using sessionctx::MediaKind;
using sessionctx::Session;

Peer::Peer (GstElement * src, PeerOwner * owner,
    std::shared_ptr<Session> session,
    std::shared_ptr<sessionctx::Server> server,
    std::function<void (guint, std::string)> reply, guint number)
:  src (src), owner (owner), session (std::move (session)),
    server (std::move (server)), reply (std::move (reply)),
    offer_us (g_get_monotonic_time ())
{
  gchar *name = g_strdup_printf ("peer%u", number);
  bin = GST_ELEMENT (gst_object_ref_sink (gst_bin_new (name)));
  /* webrtcbin holds sinks (nicesink): a bin that took the flag from it
   * would make sessionsrc look like a sink to its parent (EOS and preroll
   * would wait for it). */
  gst_bin_set_suppressed_flags (GST_BIN (bin), GST_ELEMENT_FLAG_SINK);
  g_free (name);
  for (MediaKind kind : sessionctx::kMediaKinds)
    track (kind).factory = track_factory_for (kind);
  keyframes.report_to (&this->session->video);
}

Peer::~Peer ()
{
  GST_DEBUG ("peer of %s freed (bin refcount %d)", session ?
      sessionctx::log_safe (session->id ()).c_str () : "?", bin ? GST_OBJECT_REFCOUNT_VALUE (bin) :
      -1);
  for (auto & t : tracks) {
    if (t.caps)
      gst_caps_unref (t.caps);
    for (auto *b : t.early)
      gst_buffer_unref (b);
    for (auto *p : t.pads)
      gst_object_unref (p);
    for (auto *p : t.chain_sinks)
      gst_object_unref (p);
  }
  for (auto *p : dead_ends)
    gst_object_unref (p);
  if (channel)
    g_object_unref (channel);
  if (bin)
    gst_object_unref (bin);
}

namespace {

/* The peer a webrtcbin callback was connected with, while it is still
 * registered (callbacks may outlive removal). */
static std::shared_ptr<Peer>
live_peer (gpointer data)
{
  auto *peer = static_cast<Peer *> (data);
  return peer->owner->find_peer (peer->session.get ());
}

void
send_answer (const std::shared_ptr<Peer> & peer)
{
  GstWebRTCSessionDescription *local = nullptr;
  {
    std::lock_guard < std::mutex > l (peer->lock);
    if (peer->answered || peer->removed)
      return;
    peer->answered = true;
  }
  g_object_get (peer->webrtc, "local-description", &local, NULL);
  if (!local) {
    peer->reply (200, sessionctx::failed_reply ("negotiation_failed"));
    return;
  }
  restore_h264_profile (local->sdp, peer->offer);
  gchar *text = gst_sdp_message_as_text (local->sdp);
  gst_webrtc_session_description_free (local);
  gint64 setup_us = g_get_monotonic_time () - peer->offer_us;
  GST_INFO_OBJECT (peer->src, "session %s: answer after %.1f ms",
      peer->session->id ().c_str (), setup_us / 1000.0);
  peer->reply (200, sessionctx::answer_reply (text));
  g_free (text);
  /* For applications and benchmarks: how long the answer took. */
  gst_element_post_message (GST_ELEMENT (peer->src),
      gst_message_new_element (GST_OBJECT (peer->src),
          gst_structure_new ("session-answer", "session-id", G_TYPE_STRING,
              peer->session->id ().c_str (), "setup-time", G_TYPE_UINT64,
              (guint64) setup_us * GST_USECOND, NULL)));
}

void
on_gathering_state (GstElement * webrtc, GParamSpec *, gpointer data)
{
  auto peer = live_peer (data);
  if (!peer)
    return;
  GstWebRTCICEGatheringState state;
  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    send_answer (peer);
}

/* "host:port" of the selected pair's remote candidate in webrtcbin's
 * stats, or "". Follows the references (transport → selected pair → its
 * remote-candidate-id): webrtcbin 1.22 swaps the local-/remote-candidate
 * `type` labels of the candidate entries themselves. */
std::string
selected_remote_address (const GstStructure * stats)
{
  std::map<std::string, const GstStructure *> by_id;
  std::string pair_id;
  gst_structure_foreach (stats, [](GQuark, const GValue * v,
          gpointer data)->gboolean {
        if (!GST_VALUE_HOLDS_STRUCTURE (v))
          return TRUE;
        const GstStructure *st = gst_value_get_structure (v);
        if (const char *id = gst_structure_get_string (st, "id"))
          (*static_cast<std::map<std::string, const GstStructure *> *>
              (data))[id] = st;
        return TRUE;
      }, &by_id);
  for (auto &[id, st] : by_id) {
    const char *selected = gst_structure_get_string (st,
        "selected-candidate-pair-id");
    if (selected)
      pair_id = selected;
  }
  auto pair = by_id.find (pair_id);
  if (pair == by_id.end ())
    return "";
  const char *remote_id = gst_structure_get_string (pair->second,
      "remote-candidate-id");
  auto remote = by_id.find (remote_id ? remote_id : "");
  if (remote == by_id.end ())
    return "";
  const char *address = gst_structure_get_string (remote->second, "address");
  guint port = 0;
  if (!address || !gst_structure_get_uint (remote->second, "port", &port))
    return "";
  return std::string (address) + ":" + std::to_string (port);
}

void
on_stats (GstPromise * promise, gpointer data)
{
  auto peer = *static_cast<std::shared_ptr<Peer> *> (data);
  const GstStructure *reply = gst_promise_get_reply (promise);
  std::string remote = reply ? selected_remote_address (reply) : "";
  if (remote.empty ())
    GST_INFO_OBJECT (peer->src, "session %s: no selected pair in the stats, "
        "keeping the signalling address", peer->session->id ().c_str ());
  peer->server->start_session (peer->session, remote);
}

void
on_connection_state (GstElement * webrtc, GParamSpec *, gpointer data)
{
  auto peer = live_peer (data);
  if (!peer)
    return;
  GstWebRTCPeerConnectionState state;
  g_object_get (webrtc, "connection-state", &state, NULL);
  GST_DEBUG_OBJECT (peer->src, "session %s: connection state %d",
      peer->session->id ().c_str (), state);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) {
    {
      std::lock_guard < std::mutex > l (peer->lock);
      if (peer->connected)
        return;
      peer->connected = true;
    }
    GstPromise *p = gst_promise_new_with_change_func (on_stats,
        new std::shared_ptr<Peer> (peer), [](gpointer d) {
          delete static_cast<std::shared_ptr<Peer> *> (d);
        });
    g_signal_emit_by_name (webrtc, "get-stats", NULL, p);
    gst_promise_unref (p);
  } else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
    peer->server->end_session_async (peer->session,
        GST_SESSION_END_REASON_ERROR);
  } else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED) {
    peer->server->end_session_async (peer->session,
        GST_SESSION_END_REASON_DISCONNECT);
  }
}

void
on_channel_message (GstWebRTCDataChannel *, const gchar * text, gpointer data)
{
  auto peer = live_peer (data);
  if (!peer || !text)
    return;
  {
    std::lock_guard < std::mutex > l (peer->lock);
    if (!peer->output_attached) {
      peer->early_messages.push_back (text);
      return;
    }
  }
  peer->owner->on_session_message (*peer->session, text);
}

void
on_channel_close (GstWebRTCDataChannel *, gpointer data)
{
  auto peer = live_peer (data);
  /* FastRTC clients close the peer connection; its channel goes first. */
  if (peer)
    peer->server->end_session_async (peer->session,
        GST_SESSION_END_REASON_DISCONNECT);
}

void
on_data_channel (GstElement *, GstWebRTCDataChannel * channel, gpointer data)
{
  auto *peer = static_cast<Peer *> (data);
  {
    std::lock_guard < std::mutex > l (peer->lock);
    if (peer->channel)
      g_object_unref (peer->channel);
    peer->channel = GST_WEBRTC_DATA_CHANNEL (g_object_ref (channel));
  }
  g_signal_connect (channel, "on-message-string",
      G_CALLBACK (on_channel_message), peer);
  g_signal_connect (channel, "on-close", G_CALLBACK (on_channel_close), peer);
}

void
on_answer_created (GstPromise * promise, gpointer data)
{
  auto peer = *static_cast<std::shared_ptr<Peer> *> (data);
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *answer = nullptr;
  if (reply)
    gst_structure_get (reply, "answer",
        GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  if (!answer) {
    GST_WARNING_OBJECT (peer->src, "session %s: no answer",
        peer->session->id ().c_str ());
    peer->server->metrics ().protocol_error ("negotiation_failed");
    peer->owner->on_protocol_warning (peer->session->id (),
        "negotiation_failed", "webrtcbin could not create an answer");
    {
      std::lock_guard < std::mutex > l (peer->lock);
      peer->answered = true;
    }
    peer->reply (200, sessionctx::failed_reply ("negotiation_failed"));
    peer->server->abandon_session (peer->session);
    peer->owner->remove_peer_async (peer);
    return;
  }
  g_signal_emit_by_name (peer->webrtc, "set-local-description", answer,
      NULL);
  gst_webrtc_session_description_free (answer);
  /* Gathering may already be over (few local addresses). */
  on_gathering_state (peer->webrtc, nullptr, peer.get ());
}

void
on_remote_set (GstPromise * promise, gpointer data)
{
  auto peer = *static_cast<std::shared_ptr<Peer> *> (data);
  const GstStructure *reply = gst_promise_get_reply (promise);
  GError *err = nullptr;
  if (reply && gst_structure_has_field (reply, "error"))
    gst_structure_get (reply, "error", G_TYPE_ERROR, &err, NULL);
  if (err || gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED) {
    std::string why = err ? err->message : "set-remote-description failed";
    g_clear_error (&err);
    peer->server->metrics ().protocol_error
        (sessionctx::error::remote_description_rejected);
    peer->owner->on_protocol_warning (peer->session->id (),
        sessionctx::error::remote_description_rejected, why);
    {
      std::lock_guard < std::mutex > l (peer->lock);
      peer->answered = true;
    }
    peer->reply (200, sessionctx::failed_reply
        (sessionctx::error::remote_description_rejected));
    peer->server->abandon_session (peer->session);
    peer->owner->remove_peer_async (peer);
    return;
  }
  GstPromise *p = gst_promise_new_with_change_func (on_answer_created,
      new std::shared_ptr<Peer> (peer), [](gpointer d) {
        delete static_cast<std::shared_ptr<Peer> *> (d);
      });
  g_signal_emit_by_name (peer->webrtc, "create-answer", NULL, p);
  gst_promise_unref (p);
}

/* How the session reaches its peer. Holds the peer weakly: the peer holds
 * the session. */
class PeerSender : public sessionctx::PeerLink
{
public:
  explicit PeerSender (std::weak_ptr<Peer> peer) : peer_ (std::move (peer))
  {
  }

  bool send_text (const std::string & text) override
  {
    auto p = peer_.lock ();
    if (!p)
      return false;
    GstWebRTCDataChannel *channel = nullptr;
    {
      std::lock_guard < std::mutex > l (p->lock);
      if (!p->removed && p->channel)
        channel = GST_WEBRTC_DATA_CHANNEL (g_object_ref (p->channel));
    }
    if (!channel)
      return false;
    GstWebRTCDataChannelState ready;
    g_object_get (channel, "ready-state", &ready, NULL);
    if (ready == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN)
      gst_webrtc_data_channel_send_string (channel, text.c_str ());
    g_object_unref (channel);
    return ready == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN;
  }

  bool send_audio (const int16_t * pcm, size_t samples,
      GstClockTime media) override
  {
    auto p = peer_.lock ();
    if (!p)
      return false;
    GstElement *appsrc;
    {
      std::lock_guard < std::mutex > l (p->lock);
      appsrc = p->track (MediaKind::audio).appsrc;
      if (p->removed || !appsrc)
        return false;
      gst_object_ref (appsrc);
    }
    bool ok = AudioTrackFactory::push_pcm (appsrc, p->send_clock, pcm,
        samples, media) == GST_FLOW_OK;
    gst_object_unref (appsrc);
    return ok;
  }

  void drop_queued_audio () override
  {
    auto p = peer_.lock ();
    if (!p)
      return;
    GstElement *appsrc;
    {
      std::lock_guard < std::mutex > l (p->lock);
      appsrc = p->track (MediaKind::audio).appsrc;
      if (p->removed || !appsrc)
        return;
      gst_object_ref (appsrc);
    }
    drop_queued_send (appsrc);
    gst_object_unref (appsrc);
  }

  bool send_video (GstSample * frame) override
  {
    auto p = peer_.lock ();
    GstBuffer *buf = gst_sample_get_buffer (frame);
    GstElement *appsrc = nullptr;
    GstClockTime media = GST_CLOCK_TIME_NONE, now = GST_CLOCK_TIME_NONE;
    bool too_soon = false;
    if (p && buf) {
      /* Its media time: its PTS on the running time where it was made
       * (the handler's segment); none, the running time now (the peer's
       * element's: the send chain's too). */
      now = gst_element_get_current_running_time (p->src);
      if (const GstSegment * segment = gst_sample_get_segment (frame))
        if (segment->format == GST_FORMAT_TIME)
          media = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
              GST_BUFFER_PTS (buf));
      if (!GST_CLOCK_TIME_IS_VALID (media))
        media = now;
      std::lock_guard < std::mutex > l (p->lock);
      appsrc = p->track (MediaKind::video).appsrc;
      /* At most video-max-framerate, by frame time: a frame too soon is
       * dropped (counted). */
      bool admitted = appsrc && !p->removed && p->video_rate.admit (media);
      too_soon = appsrc && !p->removed && !admitted;
      if (admitted)
        gst_object_ref (appsrc);
      else
        appsrc = nullptr;
    }
    if (too_soon)
      p->session->video.frame_dropped (sessionctx::VideoDrop::framerate);
    if (!appsrc) {
      gst_sample_unref (frame);
      return false;
    }
    /* A peer that only receives has its figures fetched here. */
    peer_stats_maybe_fetch (p->webrtc, p->session, p->stats_fetched_us);
    /* Stamped on the audio's timeline (SendClock), not on arrival. What
     * gst_app_src_push_sample () does, without a sample per frame: the
     * caps set (a no-op while they stay the same), the buffer pushed. */
    buf = gst_buffer_make_writable (gst_buffer_ref (buf));
    p->send_clock.stamp_video (buf, media, now);
    if (GstCaps * caps = gst_sample_get_caps (frame))
      gst_app_src_set_caps (GST_APP_SRC (appsrc), caps);
    gst_sample_unref (frame);
    bool ok = gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf) ==
        GST_FLOW_OK;
    gst_object_unref (appsrc);
    return ok;
  }

private:
  std::weak_ptr<Peer> peer_;
};

}  // namespace

void
free_peer_ref (gpointer d)
{
  delete static_cast<std::shared_ptr<Peer> *> (d);
}

bool
Peer::build (GstSDPMessage * sdp, const Offer & offer,
    const PeerSettings & settings)
{
  webrtc = gst_element_factory_make ("webrtcbin", nullptr);
  if (!webrtc)
    return false;
  bool unbundled = drop_inconsistent_bundle (sdp);
  if (unbundled)
    GST_INFO_OBJECT (src, "session %s: BUNDLE group with different ICE "
        "credentials, answering unbundled",
        sessionctx::log_safe (session->id ()).c_str ());
  g_object_set (webrtc, "bundle-policy", unbundled ?
      GST_WEBRTC_BUNDLE_POLICY_NONE : GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE,
      "latency", 40, NULL);
  if (!settings.stun_server.empty ())
    g_object_set (webrtc, "stun-server", settings.stun_server.c_str (), NULL);
  if (!settings.turn_server.empty ())
    g_object_set (webrtc, "turn-server", settings.turn_server.c_str (), NULL);
  GObject *ice = nullptr;
  g_object_get (webrtc, "ice-agent", &ice, NULL);
  if (ice) {
    /* No UPnP port mapping: libnice would otherwise multicast SSDP
     * discovery on every interface, unasked, from a server. */
    GObject *agent = nullptr;
    g_object_get (ice, "agent", &agent, NULL);
    if (agent) {
      g_object_set (agent, "upnp", FALSE, NULL);
      g_object_unref (agent);
    }
    gchar **addresses = g_strsplit (settings.ice_addresses.c_str (), ",", -1);
    for (gchar ** a = addresses; *a; a++) {
      g_strstrip (*a);
      gboolean ok = FALSE;
      if (**a)
        g_signal_emit_by_name (ice, "add-local-ip-address", *a, &ok);
    }
    g_strfreev (addresses);
    if (settings.min_port || settings.max_port)
      g_object_set (ice, "min-rtp-port",
          settings.min_port ? settings.min_port : 1, "max-rtp-port",
          settings.max_port ? settings.max_port : 65535, NULL);
    g_object_unref (ice);
  }
  gst_bin_add (GST_BIN (bin), webrtc);

  /* Per kind, the first m-line's send chain (sessionsink → appsrc → RTP
   * → the client). */
  this->offer = offer;
  video_rate.interval = GST_SECOND / MAX (1u, settings.video_max_framerate);
  unsigned sends = 0, receives = 0;
  for (MediaKind kind : sessionctx::kMediaKinds) {
    Track & t = track (kind);
    const OfferedMedia *media = offer.first (kind);
    if (!t.factory || !media || !media->client_receives () ||
        !t.factory->accepts (*media))
      continue;
    GstElement *input = nullptr;
    GstElement *chain = t.factory->make_send_chain (*media, settings, &input);
    if (!chain) {
      GST_WARNING_OBJECT (src, "session %s: cannot make the %s send chain",
          sessionctx::log_safe (session->id ()).c_str (),
          sessionctx::media_kind_name (kind));
      continue;
    }
    gst_bin_add (GST_BIN (bin), chain);
    if (kind == MediaKind::video)
      keyframes.watch_send_chain (chain);
    GstPad *chain_src = gst_element_get_static_pad (chain, "src");
    /* The pad of that m-line (its index in the name): a video-first offer
     * gets its audio on the audio transceiver. */
    gchar *name = g_strdup_printf ("sink_%d", media->mline_index);
    GstPad *webrtc_sink = gst_element_request_pad (webrtc,
        gst_element_get_pad_template (webrtc, "sink_%u"), name, nullptr);
    g_free (name);
    /* Everything sent back is one media stream (one msid stream id):
     * FastRTC's browser client plays the first remote stream it gets. */
    if (g_object_class_find_property (G_OBJECT_GET_CLASS (webrtc_sink),
            "msid"))
      g_object_set (webrtc_sink, "msid", "sessionctx", NULL);
    gst_pad_link (chain_src, webrtc_sink);
    gst_object_unref (chain_src);
    gst_object_unref (webrtc_sink);
    t.appsrc = input;
    if (kind == MediaKind::video)
      peer_stats_count_video_send (input, session, session->video);
    receives |= sessionctx::media_kind_bit (kind);
  }
  for (MediaKind kind : sessionctx::kMediaKinds) {
    const OfferedMedia *media = offer.first (kind);
    if (track (kind).factory && media && media->client_sends () &&
        track (kind).factory->accepts (*media))
      sends |= sessionctx::media_kind_bit (kind);
  }
  session->set_media (sends, receives);

  g_signal_connect (webrtc, "pad-added", G_CALLBACK (on_incoming_pad), this);
  g_signal_connect (webrtc, "notify::ice-gathering-state",
      G_CALLBACK (on_gathering_state), this);
  g_signal_connect (webrtc, "notify::connection-state",
      G_CALLBACK (on_connection_state), this);
  g_signal_connect (webrtc, "on-data-channel",
      G_CALLBACK (on_data_channel), this);

  session->peer_link = std::make_shared<PeerSender> (weak_from_this ());
  return true;
}

void
Peer::set_remote_description (GstSDPMessage * sdp)
{
  GstWebRTCSessionDescription *offer = gst_webrtc_session_description_new
      (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  GstPromise *p = gst_promise_new_with_change_func (on_remote_set,
      new std::shared_ptr<Peer> (shared_from_this ()), free_peer_ref);
  g_signal_emit_by_name (webrtc, "set-remote-description", offer, p);
  gst_promise_unref (p);
  gst_webrtc_session_description_free (offer);
}

std::vector<std::string>
Peer::attach_output (MediaKind kind, std::shared_ptr<OutputPad> pad)
{
  std::vector<std::string> messages;
  {
    std::lock_guard < std::mutex > l (lock);
    Track & t = track (kind);
    t.out = std::move (pad);
    if (t.caps)
      t.out->push (GST_MINI_OBJECT_CAST (gst_event_new_caps (t.caps)));
    for (auto *buf : t.early) {
      gst_buffer_add_session_meta (buf, session->context ());
      t.out->push (GST_MINI_OBJECT_CAST (buf));
      if (kind == MediaKind::video)
        session->video.frame_received ();
    }
    t.early.clear ();
    if (!output_attached) {
      output_attached = true;
      messages.swap (early_messages);
    }
  }
  /* Its video is consumed from now on: a picture soon, not at the
   * client's next periodic keyframe. */
  if (kind == MediaKind::video)
    request_keyframe ();
  return messages;
}

void
Peer::request_keyframe ()
{
  std::vector<GstPad *> sinks;
  {
    std::lock_guard < std::mutex > l (lock);
    if (removed)
      return;
    for (GstPad *p : track (MediaKind::video).chain_sinks)
      sinks.push_back (GST_PAD (gst_object_ref (p)));
  }
  for (GstPad *p : sinks) {
    KeyframeRequests::request (p);
    gst_object_unref (p);
  }
}

void
Peer::drop_output (MediaKind kind)
{
  std::lock_guard < std::mutex > l (lock);
  Track & t = track (kind);
  t.dropped = true;
  for (auto *buf : t.early)
    gst_buffer_unref (buf);
  t.early.clear ();
}

void
Peer::add_candidate (int mline_index, const std::string & candidate)
{
  /* webrtcbin queues candidates until its remote description is set. */
  g_signal_emit_by_name (webrtc, "add-ice-candidate",
      (guint) MAX (mline_index, 0), candidate.empty ()? NULL :
      candidate.c_str ());
}

bool
Peer::shut_down ()
{
  bool was_answered;
  {
    std::lock_guard < std::mutex > l (lock);
    if (removed)
      return false;
    removed = true;
    for (auto & t : tracks)
      t.out.reset ();
    was_answered = answered;
    answered = true;
  }
  if (!was_answered)
    reply (200, sessionctx::failed_reply
        (sessionctx::error::connection_closed));
  /* The client may still send: nothing may reach srtpdec while it stops
   * (srtpshutdown.h). No lock of ours is held here. */
  sessionctx::drop_incoming_srtp (bin);
  gst_element_set_state (bin, GST_STATE_NULL);
  /* Handlers carry a raw Peer pointer: none may run once it is gone. */
  g_signal_handlers_disconnect_by_data (webrtc, this);
  {
    std::lock_guard < std::mutex > l (lock);
    if (channel)
      g_signal_handlers_disconnect_by_data (channel, this);
  }
  return true;
}

void
Peer::handle_error (GstMessage * message)
{
  GError *err = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error (message, &err, &debug);
  const std::string & id = session->id ();
  /* A peer that closes its connection aborts the SCTP association
   * (aiortc's close () does): that is a hang-up, not a failure. */
  GstElementFactory *factory = GST_IS_ELEMENT (GST_MESSAGE_SRC (message)) ?
      gst_element_get_factory (GST_ELEMENT (GST_MESSAGE_SRC (message))) :
      nullptr;
  bool hang_up = factory && g_str_has_prefix (GST_OBJECT_NAME (factory),
      "sctp");
  if (hang_up) {
    GST_INFO_OBJECT (src, "session %s: peer closed (%s)",
        sessionctx::log_safe (id).c_str (),
        err->message);
    server->end_session_async (session, GST_SESSION_END_REASON_DISCONNECT);
  } else if (session->is_open ()) {
    GST_ELEMENT_WARNING_WITH_DETAILS (src, STREAM, FAILED,
        ("Session %s: WebRTC peer failed: %s",
            sessionctx::log_safe (id).c_str (), err->message),
        ("%s", debug ? debug : ""), ("session-id", G_TYPE_STRING,
            id.c_str (), "error", G_TYPE_STRING, "peer_error", NULL));
    server->end_session_async (session, GST_SESSION_END_REASON_ERROR);
  } else {
    GST_DEBUG_OBJECT (src, "session %s (ended): %s",
        sessionctx::log_safe (id).c_str (),
        err->message);
  }
  g_clear_error (&err);
  g_free (debug);
}

/* GStreamer's DTLS elements share one generated certificate per process,
 * made when the first dtlsdec is created (an RSA key: ~0.4 s here), which
 * would otherwise fall inside the first WebRTC client's setup. Made here,
 * once per process, when the first WebRTC-enabled sessionsrc starts. (Not
 * on a thread of its own: a process that exits while OpenSSL is still
 * making the key can crash in OpenSSL's exit handlers.) */
void
warm_up_dtls ()
{
  static std::once_flag once;
  std::call_once (once,[] {
        if (GstElement * dec = gst_element_factory_make ("dtlsdec", nullptr))
          gst_object_unref (dec);
      });
}
