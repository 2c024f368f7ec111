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
 * each session gets its own sometimes pad `src_%u` instead, carrying the
 * sticky session-context event (already set when `pad-added` is emitted) and
 * removed after EOS when the session ends.
 *
 * WebRTC clients use FastRTC's HTTP signalling on the same port
 * (`POST /webrtc/offer`): one webrtcbin per peer inside this bin, incoming
 * Opus decoded to the same output and tagged the same way (transport
 * `webrtc`, id = `webrtc_id`). A `session-answer` element message gives
 * each peer's setup time (offer received → answer sent).
 *
 * The element posts `session-started` and `session-ended` element messages,
 * emits #GstSessionSrc::session-message for client messages it does not
 * handle itself and #GstSessionSrc::session-mark for Twilio marks, sends
 * Twilio DTMF downstream as a `session-dtmf` event, and warns (with a
 * `session-id` detail) about every malformed client message, which is also
 * answered with `{"status":"failed","meta":{"error":CODE}}`.
 *
 * The server is shared with a `sessionsink` in the same process, which sends
 * processed audio back to each buffer's session.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 sessionsrc port=8080 ! sessioninfo silent=false ! sessionsink
 * ]| An echo server: every client hears its own audio back.
 */

#include "gstsessionsrc.h"
#include "gstsessionctxelements.h"
#include "properties.h"

#include "server.h"
#include "mulaw.h"

#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <gst/sdp/sdp.h>
#include <gst/sessionctx/sessionctx.h>
#include <gst/webrtc/webrtc.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>

GST_DEBUG_CATEGORY_STATIC (gst_session_src_debug);
#define GST_CAT_DEFAULT gst_session_src_debug

/* Lock order: State::lock, then OutputPad::lock. Settings::lock is never
 * held with another. */

using sessionctx::Server;
using sessionctx::Session;

namespace {

constexpr guint kDefaultPort = 8080;
constexpr const char *kDefaultAddress = "0.0.0.0";
constexpr guint kDefaultMaxMessageSize = 65536;
constexpr int kDefaultInputRate = 48000;
constexpr int kDefaultOutputRate = 24000;
constexpr int kDefaultRate = 48000;
/* opusenc's own default. */
constexpr guint kDefaultOpusComplexity = 10;

#define SRC_CAPS "audio/x-raw, format = (string) S16LE, " \
  "layout = (string) interleaved, channels = (int) 1, " \
  "rate = (int) [ 8000, 192000 ]"

GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (SRC_CAPS));
GstStaticPadTemplate session_template = GST_STATIC_PAD_TEMPLATE ("src_%u",
    GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS (SRC_CAPS));

struct Settings
{
  std::mutex lock;
  guint port = kDefaultPort;
  std::string address = kDefaultAddress;
  std::string server_name;
  guint max_sessions = 0;
  guint time_limit = 0;
  guint idle_timeout = 0;
  guint max_message_size = kDefaultMaxMessageSize;
  int input_rate = kDefaultInputRate;
  int output_rate = kDefaultOutputRate;
  int rate = kDefaultRate;
  bool session_pads = false;
  guint transports = 3;         /* websocket | webrtc */
  std::string stun_server;
  std::string turn_server;
  std::string ice_addresses;    /* comma-separated; empty = all */
  guint min_port = 0;
  guint max_port = 0;
  guint connect_timeout = 30;
  guint peer_timeout = 10;
  guint io_threads = 1;
  guint max_send_queue = 4 << 20;
  guint opus_complexity = kDefaultOpusComplexity;
};

/* A source pad with its own queue and streaming task: the server thread
 * never pushes downstream itself, so a slow consumer never stalls network
 * I/O. */
struct OutputPad
{
  GstSessionSrc *src = nullptr;
  GstPad *pad = nullptr;        /* owned */
  bool is_session_pad = false;
  std::string session_id;

  std::mutex lock;
  std::condition_variable cond;
  std::deque<GstMiniObject *> queue;
  bool flushing = true;

  ~OutputPad ()
  {
    drop_all ();
    gst_object_unref (pad);
  }

  void push (GstMiniObject * obj)
  {
    {
      std::lock_guard < std::mutex > l (lock);
      if (!flushing) {
        queue.push_back (obj);
        obj = nullptr;
      }
    }
    if (obj)
      gst_mini_object_unref (obj);
    else
      cond.notify_one ();
  }

  /* Blocks; nullptr when flushing. */
  GstMiniObject *pop ()
  {
    std::unique_lock < std::mutex > l (lock);
    cond.wait (l,[this] {
          return flushing || !queue.empty ();
        });
    if (flushing)
      return nullptr;
    GstMiniObject *obj = queue.front ();
    queue.pop_front ();
    return obj;
  }

  void set_flushing (bool f)
  {
    {
      std::lock_guard < std::mutex > l (lock);
      flushing = f;
    }
    if (f) {
      drop_all ();
      cond.notify_all ();
    }
  }

  void drop_all ()
  {
    std::deque<GstMiniObject *> old;
    {
      std::lock_guard < std::mutex > l (lock);
      old.swap (queue);
    }
    for (auto *obj : old)
      gst_mini_object_unref (obj);
  }
};

/* What sessionsrc keeps per session (lives on the Session, server thread). */
struct SrcSession : sessionctx::ListenerState
{
  std::shared_ptr<OutputPad> out;
  GstAudioResampler *resampler = nullptr;
  int in_rate = 0;
  int out_rate = 0;
  guint64 in_samples = 0;
  guint64 out_samples = 0;
  std::vector<int16_t> pcm;

  ~SrcSession () override
  {
    if (resampler)
      gst_audio_resampler_free (resampler);
  }
};

/* One WebRTC client: a bin holding its webrtcbin, the Opus receive chain
 * (ending in a parentless pad of ours, so sessionsrc never contains a sink
 * element) and, when the client receives, an appsrc → Opus send chain fed
 * by sessionsink. */
struct Peer
{
  GstSessionSrc *src = nullptr;
  std::shared_ptr<Session> session;
  std::shared_ptr<Server> server;
  GstElement *bin = nullptr;    /* owned ref; child of src */
  GstElement *webrtc = nullptr;
  GstElement *appsrc = nullptr; /* null when the client does not receive */
  std::function<void (guint, std::string)> reply;
  std::vector<GstPad *> sinks;  /* our parentless receive pads (owned) */
  gint64 offer_us = 0;          /* when the offer came (monotonic) */

  std::mutex lock;              /* guards everything below */
  bool answered = false;
  bool connected = false;
  bool removed = false;
  GstWebRTCDataChannel *channel = nullptr;
  std::shared_ptr<OutputPad> out;       /* set when the session starts */
  std::vector<GstBuffer *> early;       /* media before the session started */
  std::vector<std::string> early_messages;

  ~Peer ()
  {
    GST_DEBUG ("peer of %s freed (bin refcount %d)", session ?
        session->id ().c_str () : "?", bin ? GST_OBJECT_REFCOUNT_VALUE (bin) :
        -1);
    for (auto *b : early)
      gst_buffer_unref (b);
    if (channel)
      g_object_unref (channel);
    for (auto *p : sinks)
      gst_object_unref (p);
    if (bin)
      gst_object_unref (bin);
  }
};

}  // namespace

struct GstSessionSrcPrivate;

struct _GstSessionSrc
{
  GstBin parent;
  GstSessionSrcPrivate *priv;
};

struct GstSessionSrcPrivate : public sessionctx::ServerListener
{
  explicit GstSessionSrcPrivate (GstSessionSrc * s) : self (s) {}

  GstSessionSrc *self;
  Settings settings;

  struct State
  {
    std::mutex lock;
    std::shared_ptr<Server> server;
    std::shared_ptr<OutputPad> main;
    std::vector<std::shared_ptr<OutputPad>> session_pads;
    guint next_pad = 0;
    std::unordered_map<Session *, std::shared_ptr<Peer>> peers;
    guint next_peer = 0;
    /* Copied from settings at start; read on the server thread. */
    int rate = kDefaultRate;
    bool session_pads_mode = false;
  } state;

  GstCaps *output_caps () const
  {
    return gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING,
        "S16LE", "layout", G_TYPE_STRING, "interleaved", "channels",
        G_TYPE_INT, 1, "rate", G_TYPE_INT, state.rate, NULL);
  }

  GstClockTime now_running_time ();
  void push_buffer (Session & s, SrcSession & st, GstBuffer * buf,
      size_t out_n);
  void push_audio (Session & s, SrcSession & st, const int16_t * pcm,
      size_t n, bool drain);
  std::shared_ptr<OutputPad> add_session_pad (Session & s);

  /* ServerListener */
  void on_session_started (const std::shared_ptr<Session> & s) override;
  void on_session_media (Session & s, sessionctx::Encoding encoding,
      const uint8_t * data, size_t len) override;
  void on_session_dtmf (Session & s, const std::string & digit) override;
  void on_session_mark (Session & s, const std::string & name) override;
  void on_session_message (Session & s, const std::string & json) override;
  void on_session_ended (Session & s, GstSessionEndReason reason) override;
  void on_protocol_warning (const std::string & who, const char *code,
      const std::string & detail) override;
  void on_webrtc_offer (const std::shared_ptr<Session> & s,
      const std::string & sdp,
      std::function<void (guint, std::string)> reply) override;
  void on_webrtc_candidate (Session & s, int mline_index,
      const std::string & candidate) override;

  std::shared_ptr<Peer> find_peer (Session * s)
  {
    std::lock_guard < std::mutex > l (state.lock);
    auto it = state.peers.find (s);
    return it == state.peers.end ()? nullptr : it->second;
  }
  void remove_peer (const std::shared_ptr<Peer> & peer);
  void remove_peer_async (const std::shared_ptr<Peer> & peer);
};

enum
{
  PROP_0,
  PROP_PORT,
  PROP_ADDRESS,
  PROP_SERVER_NAME,
  PROP_MAX_SESSIONS,
  PROP_TIME_LIMIT,
  PROP_IDLE_TIMEOUT,
  PROP_MAX_MESSAGE_SIZE,
  PROP_WEBSOCKET_INPUT_RATE,
  PROP_WEBSOCKET_OUTPUT_RATE,
  PROP_RATE,
  PROP_SESSION_PADS,
  PROP_N_SESSIONS,
  PROP_TRANSPORTS,
  PROP_STUN_SERVER,
  PROP_TURN_SERVER,
  PROP_ICE_ADDRESSES,
  PROP_MIN_PORT,
  PROP_MAX_PORT,
  PROP_CONNECT_TIMEOUT,
  PROP_PEER_TIMEOUT,
  PROP_IO_THREADS,
  PROP_MAX_SEND_QUEUE,
  PROP_OPUS_COMPLEXITY,
};

#define GST_TYPE_SESSION_SRC_TRANSPORTS (gst_session_src_transports_get_type ())
static GType
gst_session_src_transports_get_type (void)
{
  static gsize id = 0;
  static const GFlagsValue values[] = {
    {1, "WebSocket (/websocket/offer, /telephone/handler)", "websocket"},
    {2, "WebRTC (/webrtc/offer)", "webrtc"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&id))
    g_once_init_leave (&id, g_flags_register_static ("GstSessionSrcTransports",
            values));
  return id;
}

enum
{
  SIGNAL_SESSION_MESSAGE,
  SIGNAL_SESSION_MARK,
  LAST_SIGNAL,
};
static guint signals[LAST_SIGNAL];

#define gst_session_src_parent_class parent_class
G_DEFINE_TYPE (GstSessionSrc, gst_session_src, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (sessionsrc, "sessionsrc", GST_RANK_NONE,
    GST_TYPE_SESSION_SRC);

/* ------------------------------------------------------------------ */
/* Pads and streaming                                                  */

static void
pad_loop (gpointer data)
{
  auto *out = static_cast<OutputPad *> (data);
  GstMiniObject *obj = out->pop ();
  if (!obj) {
    gst_pad_pause_task (out->pad);
    return;
  }
  if (GST_IS_BUFFER (obj)) {
    GstFlowReturn ret = gst_pad_push (out->pad, GST_BUFFER (obj));
    if (ret == GST_FLOW_OK)
      return;
    if (ret == GST_FLOW_NOT_LINKED && out->is_session_pad) {
      GST_LOG_OBJECT (out->pad, "session %s: pad not linked, buffer dropped",
          out->session_id.c_str ());
      return;
    }
    if (ret == GST_FLOW_FLUSHING) {
      gst_pad_pause_task (out->pad);
      return;
    }
    if (ret == GST_FLOW_EOS) {
      GST_DEBUG_OBJECT (out->pad, "downstream is EOS");
      return;
    }
    GST_ELEMENT_FLOW_ERROR (out->src, ret);
    gst_pad_pause_task (out->pad);
    return;
  }

  GstEvent *event = GST_EVENT (obj);
  bool eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;
  gst_pad_push_event (out->pad, event);
  if (!eos || !out->is_session_pad)
    return;

  /* The session is over: stop this task and remove the pad from another
   * thread (a task cannot join itself). */
  gst_pad_pause_task (out->pad);
  GstSessionSrc *src = out->src;
  auto *ref = new std::shared_ptr<OutputPad> ();
  {
    std::lock_guard < std::mutex > l (src->priv->state.lock);
    for (auto & p : src->priv->state.session_pads)
      if (p.get () == out)
        *ref = p;
  }
  if (!*ref) {
    delete ref;
    return;
  }
  gst_element_call_async (GST_ELEMENT (src),
      [](GstElement * element, gpointer data) {
        auto *self = GST_SESSION_SRC (element);
        auto out = *static_cast<std::shared_ptr<OutputPad> *> (data);
        bool owned = false;
        {
          std::lock_guard < std::mutex > l (self->priv->state.lock);
          auto & pads = self->priv->state.session_pads;
          for (auto it = pads.begin (); it != pads.end (); ++it) {
            if (*it == out) {
              pads.erase (it);
              owned = true;
              break;
            }
          }
        }
        if (!owned)
          return;
        GST_DEBUG_OBJECT (element, "removing pad of session %s",
            out->session_id.c_str ());
        gst_pad_set_active (out->pad, FALSE);
        gst_element_remove_pad (element, out->pad);
      }, ref, [](gpointer data) {
        delete static_cast<std::shared_ptr<OutputPad> *> (data);
      });
}

static gboolean
pad_activate_mode (GstPad * pad, GstObject * parent, GstPadMode mode,
    gboolean active)
{
  auto *out = static_cast<OutputPad *> (gst_pad_get_element_private (pad));
  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    out->set_flushing (false);
    return gst_pad_start_task (pad, pad_loop, out, nullptr);
  }
  out->set_flushing (true);
  return gst_pad_stop_task (pad);
}

static gboolean
pad_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  auto *self = GST_SESSION_SRC (parent);
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
      /* Buffers are stamped with their arrival time: live, no added
       * latency. */
      gst_query_set_latency (query, TRUE, 0, GST_CLOCK_TIME_NONE);
      return TRUE;
    case GST_QUERY_CAPS:{
      GstCaps *filter, *caps;
      gst_query_parse_caps (query, &filter);
      {
        std::lock_guard < std::mutex > l (self->priv->state.lock);
        caps = self->priv->output_caps ();
      }
      if (filter) {
        GstCaps *tmp = gst_caps_intersect_full (filter, caps,
            GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref (caps);
        caps = tmp;
      }
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static std::shared_ptr<OutputPad>
make_output_pad (GstSessionSrc * self, GstStaticPadTemplate * templ,
    const gchar * name)
{
  auto out = std::make_shared<OutputPad> ();
  out->src = self;
  out->pad = GST_PAD (gst_object_ref_sink (gst_pad_new_from_static_template
          (templ, name)));
  gst_pad_set_element_private (out->pad, out.get ());
  gst_pad_set_activatemode_function (out->pad, pad_activate_mode);
  gst_pad_set_query_function (out->pad, pad_query);
  return out;
}

GstClockTime
GstSessionSrcPrivate::now_running_time ()
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!clock)
    return GST_CLOCK_TIME_NONE;
  GstClockTime now = gst_clock_get_time (clock);
  GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));
  gst_object_unref (clock);
  return now > base ? now - base : 0;
}

/* Resamples @pcm (at the session's input rate) to the output rate and
 * queues it as one buffer with the session meta. With @drain, flushes the
 * resampler so that the session's output holds exactly
 * in_samples * out_rate / in_rate samples. Sessions at the output rate
 * have no resampler (on_session_media decodes into the buffer itself):
 * nothing to do here. */
void
GstSessionSrcPrivate::push_audio (Session & s, SrcSession & st,
    const int16_t * pcm, size_t n, bool drain)
{
  if (!st.resampler)
    return;
  st.in_samples += n;
  std::vector<int16_t> zeros;
  if (drain) {
    /* Feed silence to push out what the filter still holds. */
    n = gst_audio_resampler_get_max_latency (st.resampler) + 1;
    zeros.assign (n, 0);
    pcm = zeros.data ();
  }
  size_t out_n = gst_audio_resampler_get_out_frames (st.resampler, n);
  if (drain) {
    guint64 expected = gst_util_uint64_scale (st.in_samples, st.out_rate,
        st.in_rate);
    out_n = expected > st.out_samples ?
        MIN (out_n, expected - st.out_samples) : 0;
  }
  if (out_n == 0) {
    gst_audio_resampler_resample (st.resampler, (gpointer *) & pcm, n,
        nullptr, 0);
    return;
  }
  size_t produced = gst_audio_resampler_get_out_frames (st.resampler, n);
  GstBuffer *buf = gst_buffer_new_allocate (nullptr, produced * 2, nullptr);
  GstMapInfo map;
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  gpointer in_ptr = (gpointer) pcm;
  gpointer out_ptr = map.data;
  gst_audio_resampler_resample (st.resampler, &in_ptr, n, &out_ptr,
      produced);
  gst_buffer_unmap (buf, &map);
  if (produced != out_n)
    gst_buffer_resize (buf, 0, out_n * 2);
  push_buffer (s, st, buf, out_n);
}

/* Timestamps @buf (@out_n samples at the output rate), attaches the
 * session's context and queues it on the session's pad. */
void
GstSessionSrcPrivate::push_buffer (Session & s, SrcSession & st,
    GstBuffer * buf, size_t out_n)
{
  GST_BUFFER_PTS (buf) = now_running_time ();
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (out_n, GST_SECOND,
      st.out_rate);
  GST_BUFFER_OFFSET (buf) = st.out_samples;
  GST_BUFFER_OFFSET_END (buf) = st.out_samples + out_n;
  if (st.out_samples == 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  st.out_samples += out_n;
  gst_buffer_add_session_meta (buf, s.context ());
  st.out->push (GST_MINI_OBJECT_CAST (buf));
}

std::shared_ptr<OutputPad>
GstSessionSrcPrivate::add_session_pad (Session & s)
{
  GstElement *element = GST_ELEMENT (self);
  std::shared_ptr<OutputPad> out;
  {
    std::lock_guard < std::mutex > l (state.lock);
    gchar *name = g_strdup_printf ("src_%u", state.next_pad++);
    out = make_output_pad (self, &session_template, name);
    g_free (name);
    out->is_session_pad = true;
    out->session_id = s.id ();
    state.session_pads.push_back (out);
  }
  gst_pad_set_active (out->pad, TRUE);
  /* Stored, not pushed: they reach the peer with the first buffer, and
   * pad-added handlers already see the session's context. */
  gchar *stream_id = gst_pad_create_stream_id (out->pad, element,
      s.id ().c_str ());
  GstEvent *events[4];
  events[0] = gst_event_new_stream_start (stream_id);
  g_free (stream_id);
  GstCaps *caps;
  {
    std::lock_guard < std::mutex > l (state.lock);
    caps = output_caps ();
  }
  events[1] = gst_event_new_caps (caps);
  gst_caps_unref (caps);
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  events[2] = gst_event_new_segment (&segment);
  events[3] = gst_event_new_session_context (s.context ());
  for (GstEvent *e : events) {
    gst_pad_store_sticky_event (out->pad, e);
    gst_event_unref (e);
  }
  gst_element_add_pad (element, out->pad);
  return out;
}

/* ------------------------------------------------------------------ */
/* ServerListener (server thread)                                       */

void
GstSessionSrcPrivate::on_session_started (const std::shared_ptr<Session> & s)
{
  auto st = std::make_unique<SrcSession> ();
  bool pads_mode;
  {
    std::lock_guard < std::mutex > l (state.lock);
    st->out_rate = state.rate;
    st->out = state.main;
    pads_mode = state.session_pads_mode;
  }
  /* WebRTC audio is decoded straight to the output rate. */
  st->in_rate = s->transport () == GST_SESSION_TRANSPORT_WEBRTC ?
      st->out_rate : s->input_rate ();
  if (st->in_rate != st->out_rate) {
    GstStructure *options = gst_structure_new_empty ("options");
    gst_audio_resampler_options_set_quality
        (GST_AUDIO_RESAMPLER_METHOD_KAISER,
        GST_AUDIO_RESAMPLER_QUALITY_DEFAULT, st->in_rate, st->out_rate,
        options);
    st->resampler = gst_audio_resampler_new
        (GST_AUDIO_RESAMPLER_METHOD_KAISER, GST_AUDIO_RESAMPLER_FLAG_NONE,
        GST_AUDIO_FORMAT_S16, 1, st->in_rate, st->out_rate, options);
    gst_structure_free (options);
  }
  if (pads_mode)
    st->out = add_session_pad (*s);
  else
    st->out->push (GST_MINI_OBJECT_CAST (gst_event_new_session_start
            (s->context ())));
  std::shared_ptr<OutputPad> out = st->out;
  s->listener_state = std::move (st);

  GST_INFO_OBJECT (self, "session %s started (%s/%s) from %s",
      s->id ().c_str (), gst_session_transport_to_string (s->transport ()),
      gst_session_dialect_to_string (s->dialect ()),
      gst_session_context_get_remote_address (s->context ()));
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_session_started (GST_OBJECT (self), s->context ()));

  if (auto peer = find_peer (s.get ())) {
    /* From now on the peer's audio goes straight to its pad. */
    std::vector<std::string> messages;
    {
      std::lock_guard < std::mutex > l (peer->lock);
      peer->out = out;
      for (auto *buf : peer->early) {
        gst_buffer_add_session_meta (buf, s->context ());
        out->push (GST_MINI_OBJECT_CAST (buf));
      }
      peer->early.clear ();
      messages.swap (peer->early_messages);
    }
    for (auto & m : messages)
      on_session_message (*s, m);
  }
}

/* @len bytes as @encoding → @n native 16-bit samples at @out. */
static void
decode_audio (sessionctx::Encoding encoding, const uint8_t * data, size_t n,
    int16_t * out)
{
  switch (encoding) {
    case sessionctx::Encoding::mulaw:
      sessionctx::mulaw_decode_block (data, n, out);
      break;
    case sessionctx::Encoding::l16:
      for (size_t i = 0; i < n; i++)
        out[i] = (int16_t) GST_READ_UINT16_BE (data + 2 * i);
      break;
    case sessionctx::Encoding::s16le:
      for (size_t i = 0; i < n; i++)
        out[i] = (int16_t) GST_READ_UINT16_LE (data + 2 * i);
      break;
  }
}

void
GstSessionSrcPrivate::on_session_media (Session & s,
    sessionctx::Encoding encoding, const uint8_t * data, size_t len)
{
  auto *st = static_cast<SrcSession *> (s.listener_state.get ());
  if (!st)
    return;
  const size_t n = encoding == sessionctx::Encoding::mulaw ? len : len / 2;
  if (n == 0)
    return;
  if (!st->resampler) {
    /* Decoded straight into the buffer that goes downstream. */
    st->in_samples += n;
    GstBuffer *buf = gst_buffer_new_allocate (nullptr, n * 2, nullptr);
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    decode_audio (encoding, data, n, reinterpret_cast<int16_t *> (map.data));
    gst_buffer_unmap (buf, &map);
    push_buffer (s, *st, buf, n);
    return;
  }
  st->pcm.resize (n);
  decode_audio (encoding, data, n, st->pcm.data ());
  push_audio (s, *st, st->pcm.data (), n, false);
}

void
GstSessionSrcPrivate::on_session_dtmf (Session & s, const std::string & digit)
{
  auto *st = static_cast<SrcSession *> (s.listener_state.get ());
  GST_DEBUG_OBJECT (self, "session %s: DTMF %s", s.id ().c_str (),
      digit.c_str ());
  if (st)
    st->out->push (GST_MINI_OBJECT_CAST (gst_event_new_session_dtmf
            (s.context (), digit.c_str ())));
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
  auto *st = static_cast<SrcSession *> (s.listener_state.get ());
  if (st) {
    if (st->resampler)
      push_audio (s, *st, nullptr, 0, true);
    if (st->out->is_session_pad)
      st->out->push (GST_MINI_OBJECT_CAST (gst_event_new_eos ()));
    else
      st->out->push (GST_MINI_OBJECT_CAST (gst_event_new_session_end
              (s.context (), reason)));
  }
  GstSessionStats stats = s.stats ();
  GST_INFO_OBJECT (self, "session %s ended (%s): %" G_GUINT64_FORMAT
      " frames, %" G_GUINT64_FORMAT " bytes", s.id ().c_str (),
      gst_session_end_reason_to_string (reason), stats.frames, stats.bytes);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_session_ended (GST_OBJECT (self), s.context (), reason,
          &stats));
  if (auto peer = find_peer (&s))
    remove_peer_async (peer);
}

void
GstSessionSrcPrivate::on_protocol_warning (const std::string & who,
    const char *code, const std::string & detail)
{
  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, DECODE,
      ("Session %s: %s", who.c_str (), code), ("%s", detail.c_str ()),
      ("session-id", G_TYPE_STRING, who.c_str (), "error", G_TYPE_STRING,
          code, NULL));
}

/* ------------------------------------------------------------------ */
/* WebRTC peers                                                          */

namespace {

struct OfferInfo
{
  bool has_audio = false;
  int opus_pt = -1;
  bool client_receives = true;  /* sendrecv or recvonly */
};

/* aiortc (1.4, default settings) offers a BUNDLE group whose m-lines carry
 * different ICE credentials; webrtcbin 1.22 rejects that outright. Such a
 * group cannot be honoured anyway: drop it and answer unbundled. Returns
 * whether it did. */
bool
drop_inconsistent_bundle (GstSDPMessage * sdp)
{
  std::string first;
  bool differ = false;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const gchar *ufrag = gst_sdp_media_get_attribute_val (
        gst_sdp_message_get_media (sdp, i), "ice-ufrag");
    if (!ufrag)
      ufrag = gst_sdp_message_get_attribute_val (sdp, "ice-ufrag");
    if (!ufrag)
      continue;
    if (first.empty ())
      first = ufrag;
    else if (first != ufrag)
      differ = true;
  }
  if (!differ)
    return false;
  bool dropped = false;
  for (guint i = gst_sdp_message_attributes_len (sdp); i > 0; i--) {
    const GstSDPAttribute *a = gst_sdp_message_get_attribute (sdp, i - 1);
    if (g_strcmp0 (a->key, "group") == 0 && a->value &&
        g_str_has_prefix (a->value, "BUNDLE")) {
      gst_sdp_message_remove_attribute (sdp, i - 1);
      dropped = true;
    }
  }
  return dropped;
}

OfferInfo
inspect_offer (const GstSDPMessage * sdp)
{
  OfferInfo info;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);
    if (g_strcmp0 (gst_sdp_media_get_media (m), "audio") != 0 ||
        gst_sdp_media_get_port (m) == 0)
      continue;
    info.has_audio = true;
    for (guint j = 0; j < gst_sdp_media_attributes_len (m); j++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, j);
      if (g_strcmp0 (a->key, "rtpmap") == 0 && a->value) {
        int pt;
        char name[32];
        if (sscanf (a->value, "%d %31[^/]", &pt, name) == 2 &&
            g_ascii_strcasecmp (name, "opus") == 0 && info.opus_pt < 0)
          info.opus_pt = pt;
      } else if (g_strcmp0 (a->key, "sendonly") == 0 ||
          g_strcmp0 (a->key, "inactive") == 0) {
        info.client_receives = false;
      }
    }
    break;                      /* the first audio m-line */
  }
  return info;
}

/* Decoded audio of a peer arrives here (webrtcbin's streaming thread). */
GstFlowReturn
peer_sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  auto *peer = static_cast<Peer *> (gst_pad_get_element_private (pad));
  buf = gst_buffer_make_writable (buf);
  GST_BUFFER_PTS (buf) = peer->src->priv->now_running_time ();
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
  peer->session->count_media (gst_buffer_get_size (buf));
  std::lock_guard < std::mutex > l (peer->lock);
  if (peer->removed) {
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  if (!peer->out) {
    /* Media can beat the session's start by a few milliseconds. */
    if (peer->early.size () < 250)
      peer->early.push_back (buf);
    else
      gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  gst_buffer_add_session_meta (buf, peer->session->context ());
  peer->out->push (GST_MINI_OBJECT_CAST (buf));
  return GST_FLOW_OK;
}

gboolean
peer_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  gst_event_unref (event);
  return TRUE;
}

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
  GstElement *depay = gst_element_factory_make ("rtpopusdepay", nullptr);
  GstElement *dec = gst_element_factory_make ("opusdec", nullptr);
  GstElement *conv = gst_element_factory_make ("audioconvert", nullptr);
  GstElement *res = gst_element_factory_make ("audioresample", nullptr);
  GstElement *filter = gst_element_factory_make ("capsfilter", nullptr);
  GstCaps *caps;
  {
    std::lock_guard < std::mutex > l (peer->src->priv->state.lock);
    caps = peer->src->priv->output_caps ();
  }
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_bin_add_many (GST_BIN (peer->bin), depay, dec, conv, res, filter, NULL);
  gst_element_link_many (depay, dec, conv, res, filter, NULL);

  GstPad *sink = gst_pad_new ("peer-sink", GST_PAD_SINK);
  gst_pad_set_element_private (sink, peer);
  gst_pad_set_chain_function (sink, peer_sink_chain);
  gst_pad_set_event_function (sink, peer_sink_event);
  gst_pad_set_active (sink, TRUE);
  GstPad *filter_src = gst_element_get_static_pad (filter, "src");
  gst_pad_link (filter_src, sink);
  gst_object_unref (filter_src);
  peer->sinks.push_back (sink);
  for (GstElement *e : {filter, res, conv, dec, depay})
    gst_element_sync_state_with_parent (e);
  GstPad *depay_sink = gst_element_get_static_pad (depay, "sink");
  if (gst_pad_link (pad, depay_sink) != GST_PAD_LINK_OK)
    GST_WARNING_OBJECT (peer->src, "session %s: cannot decode incoming %"
        GST_PTR_FORMAT, peer->session->id ().c_str (), pad);
  gst_object_unref (depay_sink);
}

/* The peer a webrtcbin callback was connected with, while it is still
 * registered (callbacks may outlive removal). */
static std::shared_ptr<Peer>
live_peer (gpointer data)
{
  auto *peer = static_cast<Peer *> (data);
  return peer->src->priv->find_peer (peer->session.get ());
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
    if (!peer->out) {
      peer->early_messages.push_back (text);
      return;
    }
  }
  peer->src->priv->on_session_message (*peer->session, text);
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
    peer->src->priv->on_protocol_warning (peer->session->id (),
        "negotiation_failed", "webrtcbin could not create an answer");
    {
      std::lock_guard < std::mutex > l (peer->lock);
      peer->answered = true;
    }
    peer->reply (200, sessionctx::failed_reply ("negotiation_failed"));
    peer->server->abandon_session (peer->session);
    peer->src->priv->remove_peer_async (peer);
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
    peer->src->priv->on_protocol_warning (peer->session->id (),
        sessionctx::error::remote_description_rejected, why);
    {
      std::lock_guard < std::mutex > l (peer->lock);
      peer->answered = true;
    }
    peer->reply (200, sessionctx::failed_reply
        (sessionctx::error::remote_description_rejected));
    peer->server->abandon_session (peer->session);
    peer->src->priv->remove_peer_async (peer);
    return;
  }
  GstPromise *p = gst_promise_new_with_change_func (on_answer_created,
      new std::shared_ptr<Peer> (peer), [](gpointer d) {
        delete static_cast<std::shared_ptr<Peer> *> (d);
      });
  g_signal_emit_by_name (peer->webrtc, "create-answer", NULL, p);
  gst_promise_unref (p);
}

void
free_peer_ref (gpointer d)
{
  delete static_cast<std::shared_ptr<Peer> *> (d);
}

}  // namespace

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

  GstSDPMessage *sdp = nullptr;
  if (gst_sdp_message_new_from_text (sdp_text.c_str (), &sdp) != GST_SDP_OK ||
      gst_sdp_message_medias_len (sdp) == 0) {
    if (sdp)
      gst_sdp_message_free (sdp);
    refuse (sessionctx::error::invalid_sdp, "offer SDP does not parse or "
        "has no media");
    return;
  }
  OfferInfo info = inspect_offer (sdp);
  if (!info.has_audio || info.opus_pt < 0) {
    gst_sdp_message_free (sdp);
    refuse (sessionctx::error::no_audio, info.has_audio ?
        "offer has no Opus audio" : "offer has no audio m-line");
    return;
  }

  Settings copy;
  {
    std::lock_guard < std::mutex > l (settings.lock);
    copy.stun_server = settings.stun_server;
    copy.turn_server = settings.turn_server;
    copy.ice_addresses = settings.ice_addresses;
    copy.min_port = settings.min_port;
    copy.max_port = settings.max_port;
    copy.opus_complexity = settings.opus_complexity;
  }

  auto peer = std::make_shared<Peer> ();
  peer->offer_us = g_get_monotonic_time ();
  peer->src = self;
  peer->session = s;
  peer->server = server;
  peer->reply = std::move (reply);
  guint n;
  {
    std::lock_guard < std::mutex > l (state.lock);
    n = state.next_peer++;
  }
  gchar *name = g_strdup_printf ("peer%u", n);
  peer->bin = GST_ELEMENT (gst_object_ref_sink (gst_bin_new (name)));
  g_free (name);
  peer->webrtc = gst_element_factory_make ("webrtcbin", nullptr);
  if (!peer->webrtc) {
    gst_sdp_message_free (sdp);
    refuse ("server_error", "webrtcbin is not installed");
    return;
  }
  bool unbundled = drop_inconsistent_bundle (sdp);
  if (unbundled)
    GST_INFO_OBJECT (self, "session %s: BUNDLE group with different ICE "
        "credentials, answering unbundled", s->id ().c_str ());
  g_object_set (peer->webrtc, "bundle-policy", unbundled ?
      GST_WEBRTC_BUNDLE_POLICY_NONE : GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE,
      "latency", 40, NULL);
  if (!copy.stun_server.empty ())
    g_object_set (peer->webrtc, "stun-server", copy.stun_server.c_str (),
        NULL);
  if (!copy.turn_server.empty ())
    g_object_set (peer->webrtc, "turn-server", copy.turn_server.c_str (),
        NULL);
  GObject *ice = nullptr;
  g_object_get (peer->webrtc, "ice-agent", &ice, NULL);
  if (ice) {
    /* No UPnP port mapping: libnice would otherwise multicast SSDP
     * discovery on every interface, unasked, from a server. */
    GObject *agent = nullptr;
    g_object_get (ice, "agent", &agent, NULL);
    if (agent) {
      g_object_set (agent, "upnp", FALSE, NULL);
      g_object_unref (agent);
    }
    gchar **addresses = g_strsplit (copy.ice_addresses.c_str (), ",", -1);
    for (gchar ** a = addresses; *a; a++) {
      g_strstrip (*a);
      gboolean ok = FALSE;
      if (**a)
        g_signal_emit_by_name (ice, "add-local-ip-address", *a, &ok);
    }
    g_strfreev (addresses);
    if (copy.min_port || copy.max_port)
      g_object_set (ice, "min-rtp-port", copy.min_port ? copy.min_port : 1,
          "max-rtp-port", copy.max_port ? copy.max_port : 65535, NULL);
    g_object_unref (ice);
  }
  gst_bin_add (GST_BIN (peer->bin), peer->webrtc);

  if (info.client_receives) {
    /* sessionsink → appsrc → Opus → the client. */
    peer->appsrc = gst_element_factory_make ("appsrc", nullptr);
    GstCaps *caps = gst_caps_new_simple ("audio/x-raw", "format",
        G_TYPE_STRING, "S16LE", "layout", G_TYPE_STRING, "interleaved",
        "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT, 48000, NULL);
    g_object_set (peer->appsrc, "caps", caps, "format", GST_FORMAT_TIME,
        "is-live", TRUE, "do-timestamp", TRUE, "max-bytes",
        (guint64) 48000 * 2, "leaky-type", 2 /* downstream: drop old */ ,
        NULL);
    gst_caps_unref (caps);
    GstElement *conv = gst_element_factory_make ("audioconvert", nullptr);
    GstElement *enc = gst_element_factory_make ("opusenc", nullptr);
    g_object_set (enc, "complexity", (gint) copy.opus_complexity, NULL);
    GstElement *pay = gst_element_factory_make ("rtpopuspay", nullptr);
    g_object_set (pay, "pt", info.opus_pt, NULL);
    gst_bin_add_many (GST_BIN (peer->bin), peer->appsrc, conv, enc, pay,
        NULL);
    gst_element_link_many (peer->appsrc, conv, enc, pay, NULL);
    GstPad *pay_src = gst_element_get_static_pad (pay, "src");
    GstPad *webrtc_sink = gst_element_request_pad_simple (peer->webrtc,
        "sink_%u");
    gst_pad_link (pay_src, webrtc_sink);
    gst_object_unref (pay_src);
    gst_object_unref (webrtc_sink);
  }

  g_signal_connect (peer->webrtc, "pad-added", G_CALLBACK (on_incoming_pad),
      peer.get ());
  g_signal_connect (peer->webrtc, "notify::ice-gathering-state",
      G_CALLBACK (on_gathering_state), peer.get ());
  g_signal_connect (peer->webrtc, "notify::connection-state",
      G_CALLBACK (on_connection_state), peer.get ());
  g_signal_connect (peer->webrtc, "on-data-channel",
      G_CALLBACK (on_data_channel), peer.get ());

  std::weak_ptr<Peer> weak = peer;
  s->pcm_sender =[weak](const int16_t * pcm, size_t len)->bool {
    auto p = weak.lock ();
    if (!p)
      return false;
    GstElement *appsrc;
    {
      std::lock_guard < std::mutex > l (p->lock);
      if (p->removed || !p->appsrc)
        return false;
      appsrc = GST_ELEMENT (gst_object_ref (p->appsrc));
    }
    GstBuffer *buf = gst_buffer_new_memdup (pcm, len * 2);
    bool ok = gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf) ==
        GST_FLOW_OK;
    gst_object_unref (appsrc);
    return ok;
  };
  s->text_sender =[weak](const std::string & text)->bool {
    auto p = weak.lock ();
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
  };

  /* A bin holding webrtcbin's internal sinks would make sessionsrc look
   * like a sink to its parent (EOS and preroll would wait for it). */
  GST_OBJECT_FLAG_UNSET (peer->bin, GST_ELEMENT_FLAG_SINK);
  {
    std::lock_guard < std::mutex > l (state.lock);
    state.peers[s.get ()] = peer;
  }
  gst_bin_add (GST_BIN (self), peer->bin);
  GST_OBJECT_FLAG_UNSET (self, GST_ELEMENT_FLAG_SINK);
  gst_element_sync_state_with_parent (peer->bin);

  GstWebRTCSessionDescription *offer = gst_webrtc_session_description_new
      (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  GstPromise *p = gst_promise_new_with_change_func (on_remote_set,
      new std::shared_ptr<Peer> (peer), free_peer_ref);
  g_signal_emit_by_name (peer->webrtc, "set-remote-description", offer, p);
  gst_promise_unref (p);
  gst_webrtc_session_description_free (offer);
}

void
GstSessionSrcPrivate::on_webrtc_candidate (Session & s, int mline_index,
    const std::string & candidate)
{
  auto peer = find_peer (&s);
  if (!peer)
    return;
  /* webrtcbin queues candidates until its remote description is set. */
  g_signal_emit_by_name (peer->webrtc, "add-ice-candidate",
      (guint) MAX (mline_index, 0), candidate.empty ()? NULL :
      candidate.c_str ());
}

void
GstSessionSrcPrivate::remove_peer (const std::shared_ptr<Peer> & peer)
{
  /* All of it under the element's state lock (recursive, so stop () may
   * call this from change_state): a concurrent state change of sessionsrc
   * (GstBin iterating its children) could otherwise set a removed bin back
   * to PAUSED, and whoever claims the removal also completes it. */
  GST_STATE_LOCK (self);
  bool answered;
  {
    std::lock_guard < std::mutex > l (peer->lock);
    if (peer->removed) {
      GST_STATE_UNLOCK (self);
      return;
    }
    peer->removed = true;
    peer->out.reset ();
    answered = peer->answered;
    peer->answered = true;
  }
  if (!answered)
    peer->reply (200, sessionctx::failed_reply
        (sessionctx::error::connection_closed));
  gst_element_set_state (peer->bin, GST_STATE_NULL);
  /* Handlers carry a raw Peer pointer: none may run once it is gone. */
  g_signal_handlers_disconnect_by_data (peer->webrtc, peer.get ());
  {
    std::lock_guard < std::mutex > l (peer->lock);
    if (peer->channel)
      g_signal_handlers_disconnect_by_data (peer->channel, peer.get ());
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

/* ------------------------------------------------------------------ */
/* State changes                                                        */

/* GStreamer's DTLS elements share one generated certificate per process,
 * made when the first dtlsdec is created (an RSA key: ~0.4 s here), which
 * would otherwise fall inside the first WebRTC client's setup. Made here,
 * once per process, when the first WebRTC-enabled sessionsrc starts. (Not
 * on a thread of its own: a process that exits while OpenSSL is still
 * making the key can crash in OpenSSL's exit handlers.) */
static void
warm_up_dtls ()
{
  static std::once_flag once;
  std::call_once (once,[] {
        if (GstElement * dec = gst_element_factory_make ("dtlsdec", nullptr))
          gst_object_unref (dec);
      });
}

static gboolean
gst_session_src_start (GstSessionSrc * self)
{
  GstSessionSrcPrivate *priv = self->priv;
  sessionctx::ServerConfig config;
  bool pads_mode;
  int rate;
  {
    std::lock_guard < std::mutex > l (priv->settings.lock);
    const Settings & s = priv->settings;
    config.address = s.address;
    config.port = s.port;
    config.name = s.server_name;
    config.max_sessions = s.max_sessions;
    config.time_limit = s.time_limit;
    config.idle_timeout = s.idle_timeout;
    config.max_message_size = s.max_message_size;
    config.websocket_input_rate = s.input_rate;
    config.websocket_output_rate = s.output_rate;
    config.websocket = s.transports & 1;
    config.webrtc = s.transports & 2;
    config.connect_timeout = s.connect_timeout;
    config.peer_timeout = s.peer_timeout;
    config.io_threads = s.io_threads;
    config.max_send_queue = s.max_send_queue;
    pads_mode = s.session_pads;
    rate = s.rate;
  }
  {
    std::lock_guard < std::mutex > l (priv->state.lock);
    priv->state.rate = rate;
    priv->state.session_pads_mode = pads_mode;
  }

  if (config.webrtc)
    warm_up_dtls ();
  GError *err = nullptr;
  auto server = Server::start (config, priv, &err);
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

static void
gst_session_src_remove_session_pads (GstSessionSrc * self)
{
  std::vector<std::shared_ptr<OutputPad>> pads;
  {
    std::lock_guard < std::mutex > l (self->priv->state.lock);
    pads.swap (self->priv->state.session_pads);
  }
  for (auto & out : pads) {
    gst_pad_set_active (out->pad, FALSE);
    gst_element_remove_pad (GST_ELEMENT (self), out->pad);
  }
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
      GstCaps *caps;
      {
        std::lock_guard < std::mutex > l (self->priv->state.lock);
        caps = self->priv->output_caps ();
      }
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
      gst_session_src_remove_session_pads (self);
      break;
    default:
      break;
  }
  return ret;
}

/* Errors from inside a peer's bin (webrtcbin, its SCTP or DTLS elements,
 * the codecs) end that peer's session; they must not stop the pipeline and
 * every other session with it. */
static void
gst_session_src_handle_message (GstBin * bin, GstMessage * message)
{
  auto *self = GST_SESSION_SRC (bin);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    std::shared_ptr<Peer> owner;
    {
      std::lock_guard < std::mutex > l (self->priv->state.lock);
      for (auto &[session, peer] : self->priv->state.peers)
        if (gst_object_has_as_ancestor (GST_MESSAGE_SRC (message),
                GST_OBJECT (peer->bin)))
          owner = peer;
    }
    if (owner) {
      GError *err = nullptr;
      gchar *debug = nullptr;
      gst_message_parse_error (message, &err, &debug);
      const std::string & id = owner->session->id ();
      /* A peer that closes its connection aborts the SCTP association
       * (aiortc's close () does): that is a hang-up, not a failure. */
      GstElementFactory *factory = GST_IS_ELEMENT (GST_MESSAGE_SRC (message)) ?
          gst_element_get_factory (GST_ELEMENT (GST_MESSAGE_SRC (message))) :
          nullptr;
      bool hang_up = factory && g_str_has_prefix (GST_OBJECT_NAME (factory),
          "sctp");
      if (hang_up) {
        GST_INFO_OBJECT (self, "session %s: peer closed (%s)", id.c_str (),
            err->message);
        owner->server->end_session_async (owner->session,
            GST_SESSION_END_REASON_DISCONNECT);
      } else if (owner->session->is_open ()) {
        GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FAILED,
            ("Session %s: WebRTC peer failed: %s", id.c_str (),
                err->message), ("%s", debug ? debug : ""),
            ("session-id", G_TYPE_STRING, id.c_str (), "error",
                G_TYPE_STRING, "peer_error", NULL));
        owner->server->end_session_async (owner->session,
            GST_SESSION_END_REASON_ERROR);
      } else {
        GST_DEBUG_OBJECT (self, "session %s (ended): %s", id.c_str (),
            err->message);
      }
      g_clear_error (&err);
      g_free (debug);
      gst_message_unref (message);
      return;
    }
  }
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

  std::vector<std::shared_ptr<OutputPad>> pads;
  {
    std::lock_guard < std::mutex > l (self->priv->state.lock);
    pads = self->priv->state.session_pads;
    pads.push_back (self->priv->state.main);
  }
  for (auto & out : pads)
    out->push (GST_MINI_OBJECT_CAST (gst_event_copy (event)));
  gst_event_unref (event);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* GObject                                                              */

static void
gst_session_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_SESSION_SRC (object);
  Settings & s = self->priv->settings;
  std::lock_guard < std::mutex > l (s.lock);

  switch (prop_id) {
    case PROP_PORT:
      s.port = g_value_get_uint (value);
      break;
    case PROP_ADDRESS:
      s.address = string_property (value, kDefaultAddress);
      break;
    case PROP_SERVER_NAME:
      s.server_name = string_property (value);
      break;
    case PROP_MAX_SESSIONS:
      s.max_sessions = g_value_get_uint (value);
      break;
    case PROP_TIME_LIMIT:
      s.time_limit = g_value_get_uint (value);
      break;
    case PROP_IDLE_TIMEOUT:
      s.idle_timeout = g_value_get_uint (value);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      s.max_message_size = g_value_get_uint (value);
      break;
    case PROP_WEBSOCKET_INPUT_RATE:
      s.input_rate = g_value_get_int (value);
      break;
    case PROP_WEBSOCKET_OUTPUT_RATE:
      s.output_rate = g_value_get_int (value);
      break;
    case PROP_RATE:
      s.rate = g_value_get_int (value);
      break;
    case PROP_SESSION_PADS:
      s.session_pads = g_value_get_boolean (value);
      break;
    case PROP_TRANSPORTS:
      s.transports = g_value_get_flags (value);
      break;
    case PROP_STUN_SERVER:
      s.stun_server = string_property (value);
      break;
    case PROP_TURN_SERVER:
      s.turn_server = string_property (value);
      break;
    case PROP_ICE_ADDRESSES:
      s.ice_addresses = string_property (value);
      break;
    case PROP_MIN_PORT:
      s.min_port = g_value_get_uint (value);
      break;
    case PROP_MAX_PORT:
      s.max_port = g_value_get_uint (value);
      break;
    case PROP_CONNECT_TIMEOUT:
      s.connect_timeout = g_value_get_uint (value);
      break;
    case PROP_PEER_TIMEOUT:
      s.peer_timeout = g_value_get_uint (value);
      break;
    case PROP_IO_THREADS:
      s.io_threads = g_value_get_uint (value);
      break;
    case PROP_OPUS_COMPLEXITY:
      s.opus_complexity = g_value_get_uint (value);
      break;
    case PROP_MAX_SEND_QUEUE:
      s.max_send_queue = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_session_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto *self = GST_SESSION_SRC (object);
  Settings & s = self->priv->settings;

  if (prop_id == PROP_PORT || prop_id == PROP_N_SESSIONS) {
    std::shared_ptr<Server> server;
    {
      std::lock_guard < std::mutex > l (self->priv->state.lock);
      server = self->priv->state.server;
    }
    if (prop_id == PROP_N_SESSIONS) {
      g_value_set_uint (value, server ? (guint) server->n_sessions () : 0);
      return;
    }
    if (server) {
      g_value_set_uint (value, server->port ());
      return;
    }
  }

  std::lock_guard < std::mutex > l (s.lock);
  switch (prop_id) {
    case PROP_PORT:
      g_value_set_uint (value, s.port);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, s.address.c_str ());
      break;
    case PROP_SERVER_NAME:
      set_string_property (value, s.server_name);
      break;
    case PROP_MAX_SESSIONS:
      g_value_set_uint (value, s.max_sessions);
      break;
    case PROP_TIME_LIMIT:
      g_value_set_uint (value, s.time_limit);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, s.idle_timeout);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint (value, s.max_message_size);
      break;
    case PROP_WEBSOCKET_INPUT_RATE:
      g_value_set_int (value, s.input_rate);
      break;
    case PROP_WEBSOCKET_OUTPUT_RATE:
      g_value_set_int (value, s.output_rate);
      break;
    case PROP_RATE:
      g_value_set_int (value, s.rate);
      break;
    case PROP_SESSION_PADS:
      g_value_set_boolean (value, s.session_pads);
      break;
    case PROP_TRANSPORTS:
      g_value_set_flags (value, s.transports);
      break;
    case PROP_STUN_SERVER:
      set_string_property (value, s.stun_server);
      break;
    case PROP_TURN_SERVER:
      set_string_property (value, s.turn_server);
      break;
    case PROP_ICE_ADDRESSES:
      set_string_property (value, s.ice_addresses);
      break;
    case PROP_MIN_PORT:
      g_value_set_uint (value, s.min_port);
      break;
    case PROP_MAX_PORT:
      g_value_set_uint (value, s.max_port);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, s.connect_timeout);
      break;
    case PROP_PEER_TIMEOUT:
      g_value_set_uint (value, s.peer_timeout);
      break;
    case PROP_IO_THREADS:
      g_value_set_uint (value, s.io_threads);
      break;
    case PROP_OPUS_COMPLEXITY:
      g_value_set_uint (value, s.opus_complexity);
      break;
    case PROP_MAX_SEND_QUEUE:
      g_value_set_uint (value, s.max_send_queue);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
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
  self->priv->state.main = make_output_pad (self, &src_template, "src");
  gst_element_add_pad (GST_ELEMENT (self), self->priv->state.main->pad);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}

static void
gst_session_src_class_init (GstSessionSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY);

  GST_DEBUG_CATEGORY_INIT (gst_session_src_debug, "sessionsrc", 0,
      "Session source");

  gobject_class->set_property = gst_session_src_set_property;
  gobject_class->get_property = gst_session_src_get_property;
  gobject_class->finalize = gst_session_src_finalize;
  element_class->change_state = gst_session_src_change_state;
  element_class->send_event = gst_session_src_send_event;
  GST_BIN_CLASS (klass)->handle_message = gst_session_src_handle_message;

  /**
   * GstSessionSrc:port:
   *
   * TCP port to listen on; 0 picks a free one. While the element is PAUSED
   * or PLAYING, reading it returns the port actually bound.
   */
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_uint ("port", "Port",
          "TCP port to listen on (0 = pick a free one; reads back the bound "
          "port while running)", 0, 65535, kDefaultPort, rw));
  /**
   * GstSessionSrc:address:
   *
   * Local address to listen on.
   */
  g_object_class_install_property (gobject_class, PROP_ADDRESS,
      g_param_spec_string ("address", "Address",
          "Local address to listen on", kDefaultAddress, rw));
  /**
   * GstSessionSrc:server-name:
   *
   * Optional name under which a `sessionsink` can find this server (else it
   * finds it by port, or through each buffer's context).
   */
  g_object_class_install_property (gobject_class, PROP_SERVER_NAME,
      g_param_spec_string ("server-name", "Server name",
          "Name a sessionsink can use to find this server (optional)", NULL,
          rw));
  /**
   * GstSessionSrc:max-sessions:
   *
   * Most concurrent sessions (FastRTC's `concurrency_limit`); a `start`
   * beyond it is answered `concurrency_limit_reached` with the `limit` and
   * closed with code 1008. 0 means unlimited.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_SESSIONS,
      g_param_spec_uint ("max-sessions", "Max sessions",
          "Most concurrent sessions, 0 = unlimited (FastRTC "
          "concurrency_limit)", 0, G_MAXUINT, 0, rw));
  /**
   * GstSessionSrc:time-limit:
   *
   * Seconds a session may last before it is ended with reason `time-limit`
   * (FastRTC `time_limit`). 0 means no limit.
   */
  g_object_class_install_property (gobject_class, PROP_TIME_LIMIT,
      g_param_spec_uint ("time-limit", "Time limit",
          "Seconds a session may last, 0 = no limit", 0, G_MAXUINT, 0, rw));
  /**
   * GstSessionSrc:idle-timeout:
   *
   * Seconds without media (or, before `start`, without a start) after which
   * a connection is closed with reason `idle`. 0 means never.
   */
  g_object_class_install_property (gobject_class, PROP_IDLE_TIMEOUT,
      g_param_spec_uint ("idle-timeout", "Idle timeout",
          "Seconds without media before a session is closed, 0 = never", 0,
          G_MAXUINT, 0, rw));
  /**
   * GstSessionSrc:max-message-size:
   *
   * Largest WebSocket message accepted, in bytes; a larger one closes the
   * connection with code 1009 (reason `error`).
   */
  g_object_class_install_property (gobject_class, PROP_MAX_MESSAGE_SIZE,
      g_param_spec_uint ("max-message-size", "Max message size",
          "Largest WebSocket message accepted in bytes (larger closes the "
          "connection with 1009)", 256, G_MAXINT, kDefaultMaxMessageSize, rw));
  /**
   * GstSessionSrc:websocket-input-rate:
   *
   * Sample rate of the µ-law FastRTC WebSocket clients send (FastRTC does
   * not resample: it is the handler's input rate, 48000 by default).
   * Twilio sessions use their `mediaFormat` (8000).
   */
  g_object_class_install_property (gobject_class, PROP_WEBSOCKET_INPUT_RATE,
      g_param_spec_int ("websocket-input-rate", "WebSocket input rate",
          "Sample rate of FastRTC clients' µ-law", 8000, 192000,
          kDefaultInputRate, rw));
  /**
   * GstSessionSrc:websocket-output-rate:
   *
   * Sample rate `sessionsink` sends to FastRTC WebSocket clients (FastRTC's
   * default 24000). Twilio sessions always get 8000.
   */
  g_object_class_install_property (gobject_class, PROP_WEBSOCKET_OUTPUT_RATE,
      g_param_spec_int ("websocket-output-rate", "WebSocket output rate",
          "Sample rate sent back to FastRTC clients", 8000, 192000,
          kDefaultOutputRate, rw));
  /**
   * GstSessionSrc:rate:
   *
   * Sample rate of the S16LE mono audio on the source pads; every session
   * is resampled to it.
   */
  g_object_class_install_property (gobject_class, PROP_RATE,
      g_param_spec_int ("rate", "Rate", "Output sample rate of the src pads",
          8000, 192000, kDefaultRate, rw));
  /**
   * GstSessionSrc:session-pads:
   *
   * Give each session its own sometimes pad (`src_%u`, sticky
   * session-context event, EOS and removal at the end) instead of
   * interleaving all sessions on `src`.
   */
  g_object_class_install_property (gobject_class, PROP_SESSION_PADS,
      g_param_spec_boolean ("session-pads", "Session pads",
          "One source pad per session instead of all sessions on src", FALSE,
          rw));
  /**
   * GstSessionSrc:n-sessions:
   *
   * Sessions live right now.
   */
  g_object_class_install_property (gobject_class, PROP_N_SESSIONS,
      g_param_spec_uint ("n-sessions", "Sessions", "Sessions live now", 0,
          G_MAXUINT, 0,
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  /**
   * GstSessionSrc:transports:
   *
   * Which routes the server mounts: `websocket` (`/websocket/offer`,
   * `/telephone/handler`) and `webrtc` (`/webrtc/offer`, FastRTC's HTTP
   * signalling). Both share one port and one #GstSessionSrc:max-sessions.
   */
  g_object_class_install_property (gobject_class, PROP_TRANSPORTS,
      g_param_spec_flags ("transports", "Transports",
          "Client transports served on the port",
          GST_TYPE_SESSION_SRC_TRANSPORTS, 3, rw));
  /**
   * GstSessionSrc:stun-server:
   *
   * STUN server for WebRTC peers (`stun://host:port`); none by default.
   */
  g_object_class_install_property (gobject_class, PROP_STUN_SERVER,
      g_param_spec_string ("stun-server", "STUN server",
          "STUN server for WebRTC peers (stun://host:port)", NULL, rw));
  /**
   * GstSessionSrc:turn-server:
   *
   * TURN server for WebRTC peers (`turn(s)://user:password@host:port`).
   */
  g_object_class_install_property (gobject_class, PROP_TURN_SERVER,
      g_param_spec_string ("turn-server", "TURN server",
          "TURN server for WebRTC peers (turn(s)://user:pass@host:port)", NULL,
          rw));
  /**
   * GstSessionSrc:ice-addresses:
   *
   * Comma-separated local addresses WebRTC peers gather candidates on
   * (e.g. `127.0.0.1`); empty gathers on every interface. libnice skips
   * loopback unless it is named here.
   */
  g_object_class_install_property (gobject_class, PROP_ICE_ADDRESSES,
      g_param_spec_string ("ice-addresses", "ICE addresses",
          "Comma-separated local addresses for WebRTC candidates (empty = "
          "all interfaces)", NULL, rw));
  /**
   * GstSessionSrc:min-port:
   *
   * Lowest local UDP port for WebRTC (0 = any).
   */
  g_object_class_install_property (gobject_class, PROP_MIN_PORT,
      g_param_spec_uint ("min-port", "Min port",
          "Lowest local UDP port for WebRTC (0 = any)", 0, 65535, 0, rw));
  /**
   * GstSessionSrc:max-port:
   *
   * Highest local UDP port for WebRTC (0 = any).
   */
  g_object_class_install_property (gobject_class, PROP_MAX_PORT,
      g_param_spec_uint ("max-port", "Max port",
          "Highest local UDP port for WebRTC (0 = any)", 0, 65535, 0, rw));
  /**
   * GstSessionSrc:connect-timeout:
   *
   * Seconds a WebRTC peer has to connect after its offer before its
   * session ends with reason `connect-timeout` (FastRTC: 30).
   */
  g_object_class_install_property (gobject_class, PROP_CONNECT_TIMEOUT,
      g_param_spec_uint ("connect-timeout", "Connect timeout",
          "Seconds a WebRTC peer has to connect", 1, 3600, 30, rw));

  /**
   * GstSessionSrc:peer-timeout:
   *
   * Seconds without any audio from a connected WebRTC peer after which it
   * counts as gone (reason `disconnect`). Browsers keep sending RTP while
   * muted; a peer that closes properly is noticed at once (its data
   * channel closes).
   */
  g_object_class_install_property (gobject_class, PROP_PEER_TIMEOUT,
      g_param_spec_uint ("peer-timeout", "Peer timeout",
          "Seconds without audio before a WebRTC peer counts as gone", 1,
          3600, 10, rw));

  /**
   * GstSessionSrc:io-threads:
   *
   * Threads serving connections, each with its own epoll set and main
   * context, sharing the port (SO_REUSEPORT: the kernel spreads new
   * connections). One thread serves thousands of connections (a wakeup
   * costs what is ready, not what is open); more help when several cores
   * are free for them.
   */
  g_object_class_install_property (gobject_class, PROP_IO_THREADS,
      g_param_spec_uint ("io-threads", "I/O threads",
          "Threads serving client connections (sharing the port)", 1, 64, 1,
          rw));

  /**
   * GstSessionSrc:max-send-queue:
   *
   * Bytes sent to a WebSocket client that its socket has not taken yet
   * (the client does not read, or not fast enough). Past this the client
   * is disconnected (session-ended reason `error`, warning
   * `send_buffer_full`) rather than let memory grow. The default holds
   * about a minute of 24 kHz FastRTC audio.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_SEND_QUEUE,
      g_param_spec_uint ("max-send-queue", "Max send queue",
          "Bytes waiting for a WebSocket client that does not read before it "
          "is disconnected", 4096, G_MAXINT, 4 << 20, rw));

  /**
   * GstSessionSrc:opus-complexity:
   *
   * Complexity of the Opus encoder of each WebRTC peer that receives audio
   * (opusenc's `complexity`, 0–10). Lower values trade a little quality
   * for more peers per core (0 instead of 10: 5-16 % less CPU per peer
   * here, where Opus decoding and encoding are about a fifth of a peer's
   * cost; README, "Performance").
   */
  g_object_class_install_property (gobject_class, PROP_OPUS_COMPLEXITY,
      g_param_spec_uint ("opus-complexity", "Opus complexity",
          "Opus encoder complexity for audio sent to WebRTC peers (0-10, "
          "lower: less CPU per peer)", 0, 10, kDefaultOpusComplexity, rw));

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

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class,
      &session_template);
  gst_element_class_set_static_metadata (element_class,
      "Session source", "Source/Audio/Network",
      "Receives audio from FastRTC and Twilio WebSocket clients and tags "
      "every buffer with its session context", "gst-sessionctx developers");
}
