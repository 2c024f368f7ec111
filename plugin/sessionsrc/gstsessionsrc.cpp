/* sessionsrc: real-time clients' audio in, every buffer tagged with its
 * session.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-sessionsrc
 * @title: sessionsrc
 *
 * A live source that runs a WebSocket server speaking the protocols FastRTC
 * and Twilio Media Streams clients already speak:
 *
 * * `ws://HOST:PORT/websocket/offer` — FastRTC: `{"event":"start",
 *   "websocket_id":ID}`, then `{"event":"media","media":{"payload":B64}}`
 *   with µ-law at #GstSessionSrc:websocket-input-rate.
 * * `ws://HOST:PORT/telephone/handler` — Twilio Media Streams (µ-law 8 kHz).
 *
 * Either dialect may opt in, after `start`, to raw audio in binary
 * WebSocket frames both ways (an extension; clients that do not ask are
 * unaffected): `{"event":"binary_media","encoding":"mulaw"}` or
 * `"s16le"`, answered with the encoding and both rates.
 *
 * Every session's audio is decoded to S16LE mono at #GstSessionSrc:rate,
 * timestamped by arrival on the pipeline clock and tagged with a
 * #GstSessionMeta naming the session; gst_session_context_get_current()
 * returns it anywhere downstream.
 *
 * By default all sessions share the always `src` pad, interleaved; a
 * serialized `session-start` event precedes a session's first buffer and a
 * `session-end` event follows its last. With #GstSessionSrc:session-pads
 * each session gets its own sometimes pad per kind of media it carries
 * instead (`src_%u` for its audio, `video_src_%u` for a WebRTC peer's VP8
 * video, decoded), carrying the sticky session-context
 * event (already set when `pad-added` is emitted) and removed after EOS
 * when the session ends; a session's pads share its number. A branch
 * that fails (a flow error such as not-negotiated) ends its session only:
 * see #GstSessionSrc::session-failed. Consecutive buffers may be pushed as
 * one buffer list: pad probes should watch for
 * %GST_PAD_PROBE_TYPE_BUFFER_LIST too.
 *
 * The interleaved `src` pad carries audio only, and always will: one
 * stream of one media type is what a pad is, and interleaving sessions
 * works for audio because every session's buffers share one format and
 * rate, each tagged. Other kinds (video) come per session, on
 * session pads or in `sessionbin`.
 *
 * WebRTC clients use FastRTC's HTTP signalling on the same port
 * (`POST /webrtc/offer`): one webrtcbin per peer inside this bin, incoming
 * Opus decoded to the same output and tagged the same way (transport
 * `webrtc`, id = `webrtc_id`). A `session-answer` element message gives
 * each peer's setup time (offer received → answer sent). The state changes
 * of a peer's elements stay inside this bin (~130 per peer, each a wakeup
 * of the application's bus); its errors end that peer's session only.
 *
 * The element posts `session-started` (its fields `media` and `media-back`
 * name what the client sends and what it takes back, e.g. `audio,video`)
 * and `session-ended` element messages (a session with video: its field
 * `video-frames-dropped` counts the frames dropped because what takes them
 * fell behind: its video pad holds two), emits #GstSessionSrc::session-message for client messages it does not
 * handle itself and #GstSessionSrc::session-mark for Twilio marks, sends
 * Twilio DTMF downstream as a `session-dtmf` event, and warns (with a
 * `session-id` detail) about every malformed client message, which is also
 * answered with `{"status":"failed","meta":{"error":CODE}}`.
 *
 * Buffers may arrive as buffer lists: each pad's streaming thread pushes
 * what it finds queued (frames read in one wakeup, or queued while
 * downstream was busy), consecutive buffers up to the next event, as one
 * #GstBufferList. An element without a chain_list function gets them one
 * by one (GstPad chains each); one with it (a queue, a tee, a sink with
 * `render_list`) gets the list. A pad probe that looks at the audio must
 * ask for %GST_PAD_PROBE_TYPE_BUFFER_LIST as well as
 * %GST_PAD_PROBE_TYPE_BUFFER: on a sink's pad it sees only the list.
 *
 * The server is shared with a `sessionsink` in the same process, which sends
 * processed audio back to each buffer's session.
 *
 * For services: `GET /healthz` answers 200 while the process serves,
 * `GET /readyz` 200 while it takes new sessions (503 `draining` or `full`
 * otherwise), under the same access rules as `/metrics`;
 * #GstSessionSrc::drain stops taking sessions, lets the live ones finish
 * (#GstSessionSrc:drain-timeout) and then ends the stream with EOS.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 sessionsrc port=8080 ! sessioninfo silent=false ! sessionsink
 * ]| An echo server: every client hears its own audio back.
 */

#include "sessionsrc/sessionsrcprivate.h"
#include "gstsessionctxelements.h"

#include "wire/logsafe.h"

/* Not static: the pieces of this element (outputpad.cpp, webrtcpeer.cpp)
 * log under it too. */
GST_DEBUG_CATEGORY (gst_session_src_debug);
#define GST_CAT_DEFAULT gst_session_src_debug

using sessionctx::Server;
using sessionctx::Session;
using sessionctx::MediaKind;
using sessionctx::kMediaKindCount;

/* The most video frames a session's video pad holds for a handler that
 * has not taken them yet. */
constexpr size_t kVideoFramesQueued = 2;

namespace {

#define AUDIO_CAPS "audio/x-raw, format = (string) S16LE, " \
  "layout = (string) interleaved, channels = (int) 1, " \
  "rate = (int) [ 8000, 192000 ]"

/* The interleaved pad: every session's audio (see the element's doc for
 * why it carries no other kind). */
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (AUDIO_CAPS));
/* Decoded video of a WebRTC peer, any size and framerate. */
#define VIDEO_CAPS "video/x-raw, format = (string) I420"

/* session-pads: each session's pad of each kind (its audio keeps the name
 * it had before there were kinds). */
GstStaticPadTemplate audio_session_template =
GST_STATIC_PAD_TEMPLATE ("src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS (AUDIO_CAPS));
GstStaticPadTemplate video_session_template =
GST_STATIC_PAD_TEMPLATE ("video_src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS (VIDEO_CAPS));
GstStaticPadTemplate *const session_templates[kMediaKindCount] = {
  &audio_session_template,      /* MediaKind::audio */
  &video_session_template,      /* MediaKind::video */
};

}  // namespace

GstSessionSrcPrivate::GstSessionSrcPrivate (GstSessionSrc * s)
:  self (s), session_pads (GST_ELEMENT (s), this, session_templates)
{
}

GstCaps *
GstSessionSrcPrivate::output_caps (MediaKind kind)
{
  if (kind == MediaKind::video) {
    /* Session pads only: the interleaved pad is audio. */
    std::lock_guard < std::mutex > l (state.lock);
    return state.session_pads_mode ?
        gst_caps_from_string (VIDEO_CAPS) : nullptr;
  }
  std::lock_guard < std::mutex > l (state.lock);
  return gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING,
      "S16LE", "layout", G_TYPE_STRING, "interleaved", "channels",
      G_TYPE_INT, 1, "rate", G_TYPE_INT, state.rate, NULL);
}

/* The properties are the server's (serverproperties.h), from id 1. */
enum
{
  PROP_0,
  PROP_FIRST_SERVER,
};

enum
{
  SIGNAL_SESSION_MESSAGE,
  SIGNAL_SESSION_MARK,
  SIGNAL_AUTHORIZE,
  SIGNAL_SESSION_FAILED,
  LAST_SIGNAL,
};
static guint signals[LAST_SIGNAL];

#define gst_session_src_parent_class parent_class
G_DEFINE_TYPE (GstSessionSrc, gst_session_src, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (sessionsrc, "sessionsrc", GST_RANK_NONE,
    GST_TYPE_SESSION_SRC);

/* ------------------------------------------------------------------ */
/* ServerListener (server thread)                                       */

void
GstSessionSrcPrivate::on_session_started (const std::shared_ptr<Session> & s)
{
  int out_rate;
  std::shared_ptr<OutputPad> main;
  bool pads_mode;
  GstClockTime max_latency;
  {
    std::lock_guard < std::mutex > l (state.lock);
    out_rate = state.rate;
    main = state.main;
    pads_mode = state.session_pads_mode;
    max_latency = state.max_latency;
  }
  auto peer = find_peer (s.get ());
  /* The kinds the session carries: what its client sends (a WebSocket
   * client: audio; a WebRTC peer: what its offer and the track factories
   * allow) that the element has pads for (video: session pads only).
   * Audio has a pad whenever the client offered audio, even receive-only,
   * as before there were kinds. */
  bool carries[kMediaKindCount] = { };
  for (MediaKind kind : sessionctx::kMediaKinds) {
    bool offered = !peer ? s->sends (kind) : kind == MediaKind::audio ?
        peer->offer.first (kind) != nullptr : s->sends (kind);
    GstCaps *caps = offered ? output_caps (kind) : nullptr;
    carries[(int) kind] = caps != nullptr;
    if (caps)
      gst_caps_unref (caps);
  }

  GST_DEBUG_OBJECT (self, "session %s carries audio %d, video %d",
      sessionctx::log_safe (s->id ()).c_str (), carries[0], carries[1]);
  auto streams = std::make_unique<SessionStreams> ();
  const MediaKind audio = MediaKind::audio;
  if (pads_mode) {
    /* A pad per kind the session carries, numbered alike. */
    streams->own_pads = true;
    guint number = session_pads.next_number ();
    for (MediaKind kind : sessionctx::kMediaKinds) {
      if (!carries[(int) kind])
        continue;
      GstCaps *caps = output_caps (kind);
      auto out = session_pads.add (kind, number, s->id (), s->context (),
          caps);
      gst_caps_unref (caps);
      {
        std::lock_guard < std::mutex > l (out->lock);
        out->max_latency = max_latency;
        /* Video: the newest frames matter; a handler slower than the
         * camera gets the latest two, the older ones are dropped. */
        if (kind == MediaKind::video)
          out->max_buffers = kVideoFramesQueued;
      }
      streams->pads[(int) kind] = out;
    }
  } else {
    /* The interleaved pad takes audio only. */
    main->push (GST_MINI_OBJECT_CAST (gst_event_new_session_start
            (s->context ())));
    streams->pads[(int) audio] = main;
  }
  /* WebRTC audio is decoded straight to the output rate. A video-only
   * session has no audio pad: its ingest goes nowhere (no WebSocket media
   * reaches it, and its drain is empty). */
  int in_rate = s->transport () == GST_SESSION_TRANSPORT_WEBRTC ?
      out_rate : s->input_rate ();
  streams->audio = std::make_unique<AudioIngest> (GST_ELEMENT (self), in_rate,
      out_rate);
  streams->audio->out = streams->pad (audio);
  SessionStreams *st = streams.get ();
  s->listener_state = std::move (streams);

  GST_INFO_OBJECT (self, "session %s started (%s/%s) from %s",
      s->id ().c_str (), gst_session_transport_to_string (s->transport ()),
      gst_session_dialect_to_string (s->dialect ()),
      gst_session_context_get_remote_address (s->context ()));
  /* Which media the session has: what its client sends (each with a pad
   * or dropped) and what it takes back. */
  GstMessage *started = gst_message_new_session_started (GST_OBJECT (self),
      s->context ());
  std::string sends, receives;
  for (MediaKind kind : sessionctx::kMediaKinds) {
    if (s->sends (kind))
      sends += std::string (sends.empty ()? "" : ",") +
          sessionctx::media_kind_name (kind);
    if (s->receives (kind))
      receives += std::string (receives.empty ()? "" : ",") +
          sessionctx::media_kind_name (kind);
  }
  gst_structure_set (gst_message_writable_structure (started), "media",
      G_TYPE_STRING, sends.c_str (), "media-back", G_TYPE_STRING,
      receives.c_str (), NULL);
  gst_element_post_message (GST_ELEMENT (self), started);

  if (peer) {
    /* From now on the peer's media goes straight to its pads (a kind
     * without one stays dropped). */
    std::vector<std::string> messages;
    for (MediaKind kind : sessionctx::kMediaKinds) {
      if (!st->pad (kind)) {
        peer->drop_output (kind);
        continue;
      }
      for (auto & m : peer->attach_output (kind, st->pad (kind)))
        messages.push_back (m);
    }
    for (auto & m : messages)
      on_session_message (*s, m);
  }
}

/* The session's streams (NULL before it started). */
static SessionStreams *
streams_of (Session & s)
{
  return static_cast<SessionStreams *> (s.listener_state.get ());
}

void
GstSessionSrcPrivate::on_session_media (Session & s,
    sessionctx::Encoding encoding, const uint8_t * data, size_t len)
{
  if (auto *st = streams_of (s))
    st->audio->media (s, encoding, data, len);
}

void
GstSessionSrcPrivate::on_session_dtmf (Session & s, const std::string & digit)
{
  auto *st = streams_of (s);
  GST_DEBUG_OBJECT (self, "session %s: DTMF %s",
      sessionctx::log_safe (s.id ()).c_str (),
      digit.c_str ());
  if (st)
    st->pad (MediaKind::audio)->push (GST_MINI_OBJECT_CAST
        (gst_event_new_session_dtmf (s.context (), digit.c_str ())));
}

void
GstSessionSrcPrivate::on_session_mark (Session & s, const std::string & name)
{
  g_signal_emit (self, signals[SIGNAL_SESSION_MARK], 0, s.context (),
      name.c_str ());
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_session_mark (GST_OBJECT (self), s.context (),
          name.c_str ()));
}

void
GstSessionSrcPrivate::on_session_message (Session & s,
    const std::string & json)
{
  g_signal_emit (self, signals[SIGNAL_SESSION_MESSAGE], 0, s.context (),
      json.c_str ());
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_session_message (GST_OBJECT (self), s.context (),
          json.c_str ()));
}

void
GstSessionSrcPrivate::on_session_ended (Session & s,
    GstSessionEndReason reason)
{
  bool video = false;
  if (auto *st = streams_of (s)) {
    video = st->pad (MediaKind::video) != nullptr;
    st->audio->drain (s);
    for (auto & out : st->pads) {
      if (!out)
        continue;
      if (st->own_pads)
        out->push (GST_MINI_OBJECT_CAST (gst_event_new_eos ()));
      else
        out->push (GST_MINI_OBJECT_CAST (gst_event_new_session_end
                (s.context (), reason)));
    }
  }
  GstSessionStats stats = s.stats ();
  GST_INFO_OBJECT (self, "session %s ended (%s): %" G_GUINT64_FORMAT
      " frames, %" G_GUINT64_FORMAT " bytes",
      sessionctx::log_safe (s.id ()).c_str (),
      gst_session_end_reason_to_string (reason), stats.frames, stats.bytes);
  GstMessage *ended = gst_message_new_session_ended (GST_OBJECT (self),
      s.context (), reason, &stats);
  /* A session with video: the frames dropped on the way so far. */
  if (video)
    gst_structure_set (gst_message_writable_structure (ended),
        "video-frames-dropped", G_TYPE_UINT64, s.video_frames_dropped (),
        NULL);
  gst_element_post_message (GST_ELEMENT (self), ended);
  if (auto peer = find_peer (&s))
    remove_peer_async (peer);
}

/* What a session's pad feeds failed: that session ends (reason error,
 * failed reply handler_failed), the others and the pipeline go on. */
/* The pipeline is behind: @buf waited longer than max-latency (or, video,
 * more frames waited than its pad holds). Counted on its session; audio
 * warned once per session, video frames only counted
 * (Session::video_frames_dropped: a slow video chain drops frames by
 * design). */
void
GstSessionSrcPrivate::dropped (OutputPad * out, GstBuffer * buf)
{
  GstSessionMeta *meta = gst_buffer_get_session_meta (buf);
  auto s = meta ? sessionctx::session_from_context (meta->context) : nullptr;
  if (!s)
    return;
  if (out->kind == MediaKind::video) {
    s->count_video_dropped ();
    return;
  }
  GstClockTime duration = GST_BUFFER_DURATION (buf);
  if (!s->count_audio_dropped (GST_CLOCK_TIME_IS_VALID (duration) ?
          duration : 0))
    return;
  GstClockTime max_latency;
  {
    std::lock_guard < std::mutex > l (out->lock);
    max_latency = out->max_latency;
  }
  /* The client's id only in the structured details (a client chooses
   * it: not in the text). */
  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FAILED,
      ("A session's audio older than %" G_GUINT64_FORMAT " ms was dropped: "
          "the pipeline is behind", max_latency / GST_MSECOND),
      ("max-latency exceeded; further drops of this session are counted in "
          "stats (audio-dropped), not warned"),
      ("session-id", G_TYPE_STRING, s->id ().c_str (), "error",
          G_TYPE_STRING, "audio_dropped", "max-latency", G_TYPE_UINT64,
          max_latency, NULL));
}

void
GstSessionSrcPrivate::session_pad_failed (OutputPad * out, GstFlowReturn ret)
{
  std::shared_ptr<Server> server;
  {
    std::lock_guard < std::mutex > l (state.lock);
    server = state.server;
  }
  auto s = server ? server->find_session (out->session_id) : nullptr;
  const char *flow = gst_flow_get_name (ret);
  gboolean reported = FALSE;
  if (s)
    g_signal_emit (self, signals[SIGNAL_SESSION_FAILED], 0, s->context (),
        flow, &reported);
  if (!reported)
    GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FAILED,
        ("Session %s: its processing failed (%s)",
            sessionctx::log_safe (out->session_id).c_str (),
            flow), ("streaming of the session stopped, reason %s", flow),
        ("session-id", G_TYPE_STRING, out->session_id.c_str (), "error",
            G_TYPE_STRING, sessionctx::error::handler_failed, "flow-return",
            G_TYPE_STRING, flow, NULL));
  if (s)
    s->fail (sessionctx::error::handler_failed);
}

gboolean
gst_session_authorize_accumulator (GSignalInvocationHint * hint,
    GValue * return_accu, const GValue * handler_return, gpointer data)
{
  gboolean allowed = g_value_get_boolean (handler_return);
  g_value_set_boolean (return_accu, allowed);
  return allowed;
}

/* No handler: allowed (and no context made). */
bool
GstSessionSrcPrivate::authorize (Session & s, const std::string & id)
{
  if (!g_signal_has_handler_pending (self, signals[SIGNAL_AUTHORIZE], 0,
          FALSE))
    return true;
  GstSessionContext *context = s.context_for_authorize (id);
  gboolean allowed = TRUE;
  g_signal_emit (self, signals[SIGNAL_AUTHORIZE], 0, context, &allowed);
  g_object_unref (context);
  if (!allowed)
    GST_INFO_OBJECT (self, "a %s session refused by the authorize signal",
        gst_session_transport_to_string (s.transport ()));
  return allowed;
}

void
GstSessionSrcPrivate::on_protocol_warning (const std::string & who,
    const char *code, const std::string & detail)
{
  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, DECODE,
      ("Session %s: %s", sessionctx::log_safe (who).c_str (), code),
      ("%s", sessionctx::log_safe (detail, 200).c_str ()),
      ("session-id", G_TYPE_STRING, who.c_str (), "error", G_TYPE_STRING,
          code, NULL));
}

/* ------------------------------------------------------------------ */
/* State changes                                                        */

static gboolean
gst_session_src_start (GstSessionSrc * self)
{
  GstSessionSrcPrivate *priv = self->priv;
  sessionctx::ServerConfig config;
  OutputSettings output;
  {
    std::lock_guard < std::mutex > l (priv->settings.lock);
    config = priv->settings.server;
    output = priv->settings.output;
  }
  std::shared_ptr<OutputPad> main;
  {
    std::lock_guard < std::mutex > l (priv->state.lock);
    priv->state.rate = output.rate;
    priv->state.session_pads_mode = output.session_pads;
    priv->state.max_latency = output.max_latency;
    main = priv->state.main;
  }
  {
    std::lock_guard < std::mutex > l (main->lock);
    main->max_latency = output.max_latency;
  }
  /* Threads for session pads only: the interleaved pad has its task. */
  priv->session_pads.set_streaming_threads (output.session_pads ?
      output.streaming_threads : -1);

  if (config.webrtc)
    warm_up_dtls ();
  GError *err = nullptr;
  auto server = Server::start (config, priv, &err);
  if (!server && err && err->domain == G_TLS_ERROR) {
    /* The message names the file at fault. */
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", err->message),
        (NULL));
    g_clear_error (&err);
    return FALSE;
  }
  if (!server) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not listen on %s:%u", config.address.c_str (), config.port),
        ("%s", err ? err->message : "unknown error"));
    g_clear_error (&err);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "listening on %s:%u", config.address.c_str (),
      server->port ());
  std::lock_guard < std::mutex > l (priv->state.lock);
  priv->state.server = std::move (server);
  return TRUE;
}

static void
gst_session_src_stop (GstSessionSrc * self)
{
  std::shared_ptr<Server> server;
  {
    std::lock_guard < std::mutex > l (self->priv->state.lock);
    server = self->priv->state.server;
  }
  /* Without the lock: ending sessions calls back into this element. */
  if (server)
    server->stop ();
  std::vector<std::shared_ptr<Peer>> peers;
  {
    std::lock_guard < std::mutex > l (self->priv->state.lock);
    self->priv->state.server.reset ();
    for (auto &[session, peer] : self->priv->state.peers)
      peers.push_back (peer);
  }
  for (auto & peer : peers)
    self->priv->remove_peer (peer);
}

static GstStateChangeReturn
gst_session_src_change_state (GstElement * element, GstStateChange transition)
{
  auto *self = GST_SESSION_SRC (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!gst_session_src_start (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* End sessions first so their last buffers and events are queued
       * before the pads go inactive. */
      gst_session_src_stop (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
      gst_session_src_stop (self);
    return ret;
  }

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:{
      /* Prime the interleaved pad: stream-start, caps, segment. */
      auto main = self->priv->state.main;
      gchar *stream_id = gst_pad_create_stream_id (main->pad, element,
          "sessions");
      main->push (GST_MINI_OBJECT_CAST (gst_event_new_stream_start
              (stream_id)));
      g_free (stream_id);
      GstCaps *caps = self->priv->output_caps (MediaKind::audio);
      main->push (GST_MINI_OBJECT_CAST (gst_event_new_caps (caps)));
      gst_caps_unref (caps);
      GstSegment segment;
      gst_segment_init (&segment, GST_FORMAT_TIME);
      main->push (GST_MINI_OBJECT_CAST (gst_event_new_segment (&segment)));
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    }
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      self->priv->session_pads.remove_all ();
      break;
    default:
      break;
  }
  return ret;
}

/* The children are WebRTC peers' bins: what of theirs stays inside is
 * sessionsrcwebrtc.cpp's (take_peer_message). */
static void
gst_session_src_handle_message (GstBin * bin, GstMessage * message)
{
  if (!GST_SESSION_SRC (bin)->priv->take_peer_message (message))
    GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

/* An application EOS (gst-launch-1.0 -e, gst_element_send_event) goes out
 * on every pad after what is already queued. GstBin would only hand it to
 * source children, and sessionsrc has none. */
static gboolean
gst_session_src_send_event (GstElement * element, GstEvent * event)
{
  auto *self = GST_SESSION_SRC (element);
  if (GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
  self->priv->queue_eos (event);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* GObject                                                              */

static void
gst_session_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_SESSION_SRC (object);
  if (!self->priv->settings.set (prop_id - PROP_FIRST_SERVER, value, pspec))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_session_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto *self = GST_SESSION_SRC (object);
  std::shared_ptr<Server> server;
  {
    std::lock_guard < std::mutex > l (self->priv->state.lock);
    server = self->priv->state.server;
  }
  if (!self->priv->settings.get (prop_id - PROP_FIRST_SERVER, value, pspec,
          server.get ()))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_session_src_finalize (GObject * object)
{
  auto *self = GST_SESSION_SRC (object);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_session_src_init (GstSessionSrc * self)
{
  self->priv = new GstSessionSrcPrivate (self);
  self->priv->state.main = make_output_pad (GST_ELEMENT (self), self->priv,
      &src_template, "src", MediaKind::audio);
  gst_element_add_pad (GST_ELEMENT (self), self->priv->state.main->pad);
  /* A source, never a sink, whatever its children: GstBin would take the
   * source flag away with a WebRTC peer's last source child (an
   * application EOS, gst-launch-1.0 -e, would then never reach sessionsrc)
   * and make it a sink with a peer's webrtcbin (its internal sinks: a
   * parent would wait for their EOS and preroll). */
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
  gst_bin_set_suppressed_flags (GST_BIN (self),
      (GstElementFlags) (GST_ELEMENT_FLAG_SOURCE | GST_ELEMENT_FLAG_SINK));
}

static void
gst_session_src_class_init (GstSessionSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_session_src_debug, "sessionsrc", 0,
      "Session source");

  gobject_class->set_property = gst_session_src_set_property;
  gobject_class->get_property = gst_session_src_get_property;
  gobject_class->finalize = gst_session_src_finalize;
  element_class->change_state = gst_session_src_change_state;
  element_class->send_event = gst_session_src_send_event;
  GST_BIN_CLASS (klass)->handle_message = gst_session_src_handle_message;

  server_properties_install (gobject_class, PROP_FIRST_SERVER);
  gst_session_src_install_drain (klass);

  /**
   * GstSessionSrc::session-message:
   * @src: the element
   * @context: the session
   * @json: the message as the client sent it
   *
   * A client message the element does not handle itself (an unknown
   * `event`, or a `{"type":...}` application message). Emitted on the
   * server thread; also posted as a `session-message` element message.
   */
  signals[SIGNAL_SESSION_MESSAGE] = g_signal_new ("session-message",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, GST_TYPE_SESSION_CONTEXT, G_TYPE_STRING);
  /**
   * GstSessionSrc::session-mark:
   * @src: the element
   * @context: the session
   * @name: the mark's name
   *
   * A Twilio client played (or cleared) the audio sent before the mark
   * `name` (see `sessionsink`'s `mark` action). Also posted as a
   * `session-mark` element message.
   */
  signals[SIGNAL_SESSION_MARK] = g_signal_new ("session-mark",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, GST_TYPE_SESSION_CONTEXT, G_TYPE_STRING);
  /**
   * GstSessionSrc::authorize:
   * @src: the element
   * @context: the session as it would start: id, transport, dialect,
   *   remote-address and metadata (`path`, `query`, `headers`; for
   *   Twilio what its `start` said)
   *
   * Emitted before a session starts — a WebSocket's at its `start`
   * message, a WebRTC one's at its offer — so the application may refuse
   * it. Return FALSE to refuse: the WebSocket client gets a failed reply
   * `unauthorized` and close 1008, the WebRTC offer HTTP 403 with a
   * failed status `unauthorized`. With no handler every session is
   * allowed; with several, the first FALSE wins. Emitted on the server's
   * I/O thread, which serves other clients meanwhile: the handler must be
   * quick, must not block, and must be thread-safe (several I/O threads
   * may emit at once with io-threads > 1). The context is not the
   * session's own (that one is made when it starts).
   *
   * Returns: TRUE to let the session start
   */
  signals[SIGNAL_AUTHORIZE] = g_signal_new ("authorize",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
      gst_session_authorize_accumulator, NULL, NULL, G_TYPE_BOOLEAN, 1,
      GST_TYPE_SESSION_CONTEXT);
  /**
   * GstSessionSrc::session-failed:
   * @src: the element
   * @context: the session
   * @flow_return: what the push returned, e.g. `not-negotiated`, `error`
   *
   * With #GstSessionSrc:session-pads, what one session's pad feeds failed
   * (a flow error downstream of it). That session alone ends, with reason
   * `error` (its WebSocket client gets the failed reply `handler_failed`);
   * the other sessions and the pipeline go on. Emitted on that pad's
   * streaming thread, before the session ends.
   *
   * Returns: TRUE when the handler reported the failure itself; sessionsrc
   * then posts no warning of its own (otherwise it warns with details
   * `session-id`, `error` = `handler_failed`, `flow-return`)
   */
  signals[SIGNAL_SESSION_FAILED] = g_signal_new ("session-failed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
      g_signal_accumulator_true_handled, NULL, NULL, G_TYPE_BOOLEAN, 2,
      GST_TYPE_SESSION_CONTEXT, G_TYPE_STRING);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  for (GstStaticPadTemplate * templ:session_templates)
    if (templ)
      gst_element_class_add_static_pad_template (element_class, templ);
  gst_element_class_set_static_metadata (element_class,
      "WebSocket and WebRTC session source", "Source/Audio/Network",
      "Receives audio from WebSocket clients (FastRTC, Twilio Media "
      "Streams) and WebRTC peers (FastRTC's signalling) and tags every "
      "buffer with its session context", GST_SESSIONCTX_AUTHOR);
}
