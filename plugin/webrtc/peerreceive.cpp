/* What a WebRTC peer receives (peerreceive.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/peerreceive.h"
#include "webrtc/peerstats.h"
#include "wire/logsafe.h"

#include "audio/audioingest.h"

#include <gst/sessionctx/sessionctx.h>

/* sessionsrc's category: peers live inside it. */
GST_DEBUG_CATEGORY_EXTERN (gst_session_src_debug);
#define GST_CAT_DEFAULT gst_session_src_debug

using sessionctx::MediaKind;

namespace {

/* Decoded media of @kind arrives here (webrtcbin's streaming thread). */
GstFlowReturn
receive (Peer * peer, MediaKind kind, GstBuffer * buf)
{
  buf = gst_buffer_make_writable (buf);
  GST_BUFFER_PTS (buf) = now_running_time (peer->src);
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
  /* The session's counters are its audio's (video has its own, counted
   * once on the session's pad); video keeps it alive too. */
  if (kind == MediaKind::audio)
    peer->session->count_media (gst_buffer_get_size (buf));
  else
    peer->session->touch_media ();
  peer_stats_maybe_fetch (peer->webrtc, peer->session, peer->stats_fetched_us);
  std::lock_guard < std::mutex > l (peer->lock);
  Peer::Track & t = peer->track (kind);
  if (peer->removed || t.dropped) {
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  if (!t.out) {
    /* Media can beat the session's start by a few milliseconds: 5 s of
     * audio, a few video frames (the newest matter, from a keyframe on:
     * the decoder already made them whole). */
    const size_t keep = kind == MediaKind::audio ? 250 : 8;
    if (t.early.size () < keep)
      t.early.push_back (buf);
    else
      gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  gst_buffer_add_session_meta (buf, peer->session->context ());
  peer->session->note_input_backlog (t.out->push (GST_MINI_OBJECT_CAST
          (buf)));
  if (kind == MediaKind::video)
    peer->session->video.frame_received ();
  return GST_FLOW_OK;
}

/* The chain function of a receive pad of @K (its element private: the
 * peer). */
template < MediaKind K > GstFlowReturn
peer_sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  return receive (static_cast<Peer *> (gst_pad_get_element_private (pad)), K,
      buf);
}

GstPadChainFunction
receive_chain_function (MediaKind kind)
{
  switch (kind) {
    case MediaKind::audio:
      return peer_sink_chain < MediaKind::audio >;
    case MediaKind::video:
      break;
  }
  return peer_sink_chain < MediaKind::video >;
}

gboolean
peer_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  gst_event_unref (event);
  return TRUE;
}

/* A video receive pad's events: its caps (the picture's size and rate,
 * known only from the stream) go to the session's video pad, in order
 * with the frames; the rest are ours to drop. */
gboolean
peer_video_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return peer_sink_event (pad, parent, event);
  auto *peer = static_cast<Peer *> (gst_pad_get_element_private (pad));
  GstCaps *caps;
  gst_event_parse_caps (event, &caps);
  std::lock_guard < std::mutex > l (peer->lock);
  Peer::Track & t = peer->track (MediaKind::video);
  gst_caps_replace (&t.caps, caps);
  if (t.out && !peer->removed)
    t.out->push (GST_MINI_OBJECT_CAST (gst_event_ref (event)));
  gst_event_unref (event);
  return TRUE;
}

GstFlowReturn
dead_end_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  gst_buffer_unref (buf);
  return GST_FLOW_OK;
}

/* The m-line of the offer that @pad (a src pad of webrtcbin) carries, in
 * @media, and its kind: by the m-line of the pad's transceiver, else by
 * the `media` field of its caps (then @media is the first m-line of that
 * kind, or NULL). False when neither tells a kind. The encoding-name of
 * its caps in @encoding ("" when they have none). */
bool
media_of_pad (const Peer & peer, GstPad * pad, MediaKind * kind,
    const OfferedMedia ** media, std::string * encoding)
{
  *media = nullptr;
  /* The RTP caps say what the stream is: webrtcbin 1.22 can hand out an
   * audio pad whose transceiver is the video m-line's when both arrive at
   * once (measured: an audio+video peer then got audio into its VP8
   * chain, "Internal data stream error", about 1 run in 3). */
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, nullptr);
  const GstStructure *st = caps && !gst_caps_is_empty (caps) &&
      !gst_caps_is_any (caps) ? gst_caps_get_structure (caps, 0) : nullptr;
  const char *name = st ? gst_structure_get_string (st, "media") : nullptr;
  const char *codec = st ? gst_structure_get_string (st, "encoding-name") :
      nullptr;
  *encoding = codec ? codec : "";
  MediaKind by_caps = MediaKind::audio;
  const bool caps_know = sessionctx::media_kind_from_name (name, &by_caps);
  if (caps)
    gst_caps_unref (caps);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (pad), "transceiver")) {
    GstWebRTCRTPTransceiver *trans = nullptr;
    g_object_get (pad, "transceiver", &trans, NULL);
    if (trans) {
      guint mline = G_MAXUINT;
      g_object_get (trans, "mlineindex", &mline, NULL);
      gst_object_unref (trans);
      if (mline < peer.offer.media.size ())
        *media = &peer.offer.media[mline];
    }
  }
  if (*media && (*media)->kind && (!caps_know || *(*media)->kind == by_caps)) {
    *kind = *(*media)->kind;
    return true;
  }
  *media = nullptr;
  if (caps_know) {
    *kind = by_caps;
    *media = peer.offer.first (by_caps);
  }
  return caps_know;
}

/* A parentless pad taking @pad's media and dropping it, kept in @pads. */
void
link_dead_end (GstPad * pad, std::vector<GstPad *> & pads)
{
  GstPad *end = gst_pad_new ("dead-end", GST_PAD_SINK);
  gst_pad_set_chain_function (end, dead_end_chain);
  gst_pad_set_event_function (end, peer_sink_event);
  gst_pad_set_active (end, TRUE);
  gst_pad_link (pad, end);
  pads.push_back (end);
}

}  // namespace

void
on_incoming_pad (GstElement * webrtc, GstPad * pad, Peer * peer)
{
  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  /* Build the branch under the peer's lock: remove_peer () marks the peer
   * removed under it before stopping the bin, so no element can be added
   * (and left PAUSED) once teardown began. */
  std::unique_lock < std::mutex > guard (peer->lock);
  if (peer->removed)
    return;
  MediaKind kind = MediaKind::audio;
  const OfferedMedia *media = nullptr;
  std::string encoding;
  const bool known = media_of_pad (*peer, pad, &kind, &media, &encoding);
  GST_DEBUG_OBJECT (peer->src, "session %s: incoming %s media, m-line %d",
      sessionctx::log_safe (peer->session->id ()).c_str (),
      known ? sessionctx::media_kind_name (kind) : "other",
      media ? media->mline_index : -1);
  const TrackFactory *factory = known ? peer->track (kind).factory : nullptr;
  GstElement *chain = nullptr;
  if (factory && media && factory->accepts (*media)) {
    if (GstCaps * caps = peer->owner->output_caps (kind)) {
      chain = factory->make_receive_chain (*media, encoding.empty ()?
          nullptr : encoding.c_str (), caps);
      gst_caps_unref (caps);
    }
  }
  GstPad *chain_sink = nullptr;
  if (chain) {
    gst_bin_add (GST_BIN (peer->bin), chain);
    chain_sink = gst_element_get_static_pad (chain, "sink");
    if (!gst_pad_can_link (pad, chain_sink)) {
      GST_WARNING_OBJECT (peer->src, "session %s: cannot decode incoming %"
          GST_PTR_FORMAT, sessionctx::log_safe (peer->session->id ()).c_str (),
          pad);
      gst_object_unref (chain_sink);
      gst_bin_remove (GST_BIN (peer->bin), chain);
      chain = nullptr;
    }
  }
  if (!chain) {
    GST_INFO_OBJECT (peer->src, "session %s: dropping incoming %s media (%"
        GST_PTR_FORMAT ")", sessionctx::log_safe (peer->session->id ()).c_str
        (), known ? sessionctx::media_kind_name (kind) : "other", pad);
    link_dead_end (pad, known ? peer->track (kind).pads : peer->dead_ends);
    return;
  }

  /* Every request for a keyframe the chain makes passes its gate. */
  if (kind == MediaKind::video)
    peer->keyframes.gate_receive_chain (chain);

  GstPad *sink = gst_pad_new ("peer-sink", GST_PAD_SINK);
  gst_pad_set_element_private (sink, peer);
  gst_pad_set_chain_function (sink, receive_chain_function (kind));
  gst_pad_set_event_function (sink, kind == MediaKind::video ?
      peer_video_sink_event : peer_sink_event);
  gst_pad_set_active (sink, TRUE);
  GstPad *chain_src = gst_element_get_static_pad (chain, "src");
  gst_pad_link (chain_src, sink);
  gst_object_unref (chain_src);
  peer->track (kind).pads.push_back (sink);
  gst_element_sync_state_with_parent (chain);
  const bool linked = gst_pad_link (pad, chain_sink) == GST_PAD_LINK_OK;
  if (!linked)
    GST_WARNING_OBJECT (peer->src, "session %s: cannot decode incoming %"
        GST_PTR_FORMAT, sessionctx::log_safe (peer->session->id ()).c_str (),
        pad);
  if (kind != MediaKind::video || !linked) {
    gst_object_unref (chain_sink);
    return;
  }
  peer->track (kind).chain_sinks.push_back (chain_sink);
  /* The decoder starts: a keyframe now, whatever came before its link.
   * Not under the peer's lock (the request goes into webrtcbin). */
  gst_object_ref (chain_sink);
  guard.unlock ();
  KeyframeRequests::request (chain_sink);
  gst_object_unref (chain_sink);
}
