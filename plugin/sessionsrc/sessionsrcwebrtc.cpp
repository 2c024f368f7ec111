/* sessionsrc's WebRTC peers: an offer becomes a webrtcbin inside the
 * element (webrtcpeer.h), candidates reach it, a peer that ended is
 * removed, and what its elements post stays inside (take_peer_message).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sessionsrc/sessionsrcprivate.h"

#include "stream/sessionchildren.h"
#include "webrtc/offerinspect.h"

#define GST_CAT_DEFAULT gst_session_src_debug

using sessionctx::Server;
using sessionctx::Session;

/* ------------------------------------------------------------------ */
/* WebRTC peers                                                          */

void
GstSessionSrcPrivate::on_webrtc_offer (const std::shared_ptr<Session> & s,
    const std::string & sdp_text,
    std::function<void (guint, std::string)> reply)
{
  std::shared_ptr<Server> server;
  {
    std::lock_guard < std::mutex > l (state.lock);
    server = state.server;
  }
  auto refuse =[&](const char *code, const std::string & detail) {
    on_protocol_warning (s->id (), code, detail);
    reply (200, sessionctx::failed_reply (code));
    server->abandon_session (s);
  };

  Offer offer;
  const char *code, *detail;
  GstSDPMessage *sdp = parse_offer (sdp_text.c_str (), &offer, &code,
      &detail);
  if (!sdp) {
    refuse (code, detail);
    return;
  }

  PeerSettings webrtc;
  {
    std::lock_guard < std::mutex > l (settings.lock);
    webrtc = settings.webrtc;
  }

  guint n;
  {
    std::lock_guard < std::mutex > l (state.lock);
    n = state.next_peer++;
  }
  /* A copy: when the peer cannot be built, refuse () still answers. */
  auto peer = std::make_shared<Peer> (GST_ELEMENT (self), this, s, server,
      reply, n);
  if (!peer->build (sdp, offer, webrtc)) {
    gst_sdp_message_free (sdp);
    refuse ("server_error", "webrtcbin is not installed");
    return;
  }

  {
    std::lock_guard < std::mutex > l (state.lock);
    state.peers[s.get ()] = peer;
  }
  /* sessionsrc's flags stay as they are (gst_session_src_init). */
  gst_bin_add (GST_BIN (self), peer->bin);
  gst_element_sync_state_with_parent (peer->bin);

  peer->set_remote_description (sdp);
}

void
GstSessionSrcPrivate::on_webrtc_candidate (Session & s, int mline_index,
    const std::string & candidate)
{
  if (auto peer = find_peer (&s))
    peer->add_candidate (mline_index, candidate);
}

void
GstSessionSrcPrivate::remove_peer (const std::shared_ptr<Peer> & peer)
{
  /* All of it under the element's state lock (recursive, so stop () may
   * call this from change_state): a concurrent state change of sessionsrc
   * (GstBin iterating its children) could otherwise set a removed bin back
   * to PAUSED, and whoever claims the removal also completes it. */
  GST_STATE_LOCK (self);
  if (!peer->shut_down ()) {
    GST_STATE_UNLOCK (self);
    return;
  }
  gst_bin_remove (GST_BIN (self), peer->bin);
  GST_STATE_UNLOCK (self);
  std::lock_guard < std::mutex > l (state.lock);
  auto it = state.peers.find (peer->session.get ());
  if (it != state.peers.end () && it->second == peer)
    state.peers.erase (it);
}

void
GstSessionSrcPrivate::remove_peer_async (const std::shared_ptr<Peer> & peer)
{
  gst_element_call_async (GST_ELEMENT (self),[](GstElement * element,
          gpointer data) {
        auto peer = *static_cast<std::shared_ptr<Peer> *> (data);
        GST_SESSION_SRC (element)->priv->remove_peer (peer);
      }, new std::shared_ptr<Peer> (peer), free_peer_ref);
}

/* Errors from inside a peer's bin (webrtcbin, its SCTP or DTLS elements,
 * the codecs) end that peer's session; they must not stop the pipeline and
 * every other session with it. Its state changes stay here
 * (stream/sessionchildren.h). */
bool
GstSessionSrcPrivate::take_peer_message (GstMessage * message)
{
  if (sessionctx::stays_inside (message)) {
    gst_message_unref (message);
    return true;
  }
  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return false;
  std::shared_ptr<Peer> owner;
  {
    std::lock_guard < std::mutex > l (state.lock);
    for (auto &[session, peer] : state.peers)
      if (gst_object_has_as_ancestor (GST_MESSAGE_SRC (message),
              GST_OBJECT (peer->bin)))
        owner = peer;
  }
  if (!owner)
    return false;
  owner->handle_error (message);
  gst_message_unref (message);
  return true;
}
