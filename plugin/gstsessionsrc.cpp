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

#include "server.h"
#include "mulaw.h"

#include <gst/audio/audio.h>
#include <gst/sessionctx/sessionctx.h>

#include <condition_variable>
#include <deque>
#include <mutex>

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
  void push_audio (Session & s, SrcSession & st, const int16_t * pcm,
      size_t n, bool drain);
  std::shared_ptr<OutputPad> add_session_pad (Session & s);

  /* ServerListener */
  void on_session_started (const std::shared_ptr<Session> & s) override;
  void on_session_media (Session & s, const uint8_t * data,
      size_t len) override;
  void on_session_dtmf (Session & s, const std::string & digit) override;
  void on_session_mark (Session & s, const std::string & name) override;
  void on_session_message (Session & s, const std::string & json) override;
  void on_session_ended (Session & s, GstSessionEndReason reason) override;
  void on_protocol_warning (const std::string & who, const char *code,
      const std::string & detail) override;
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
};

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
 * in_samples * out_rate / in_rate samples. */
void
GstSessionSrcPrivate::push_audio (Session & s, SrcSession & st,
    const int16_t * pcm, size_t n, bool drain)
{
  GstBuffer *buf = nullptr;
  size_t out_n = 0;
  st.in_samples += n;

  if (!st.resampler) {
    if (n == 0)
      return;
    out_n = n;
    buf = gst_buffer_new_allocate (nullptr, n * 2, nullptr);
    gst_buffer_fill (buf, 0, pcm, n * 2);
  } else {
    std::vector<int16_t> zeros;
    if (drain) {
      /* Feed silence to push out what the filter still holds. */
      n = gst_audio_resampler_get_max_latency (st.resampler) + 1;
      zeros.assign (n, 0);
      pcm = zeros.data ();
    }
    out_n = gst_audio_resampler_get_out_frames (st.resampler, n);
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
    buf = gst_buffer_new_allocate (nullptr, produced * 2, nullptr);
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    gpointer in_ptr = (gpointer) pcm;
    gpointer out_ptr = map.data;
    gst_audio_resampler_resample (st.resampler, &in_ptr, n, &out_ptr,
        produced);
    gst_buffer_unmap (buf, &map);
    if (produced != out_n)
      gst_buffer_resize (buf, 0, out_n * 2);
  }

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
  st->in_rate = s->input_rate ();
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
  s->listener_state = std::move (st);

  GST_INFO_OBJECT (self, "session %s started (%s/%s)", s->id ().c_str (),
      "websocket", gst_session_dialect_to_string (s->dialect ()));
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_session_started (GST_OBJECT (self), s->context ()));
}

void
GstSessionSrcPrivate::on_session_media (Session & s, const uint8_t * data,
    size_t len)
{
  auto *st = static_cast<SrcSession *> (s.listener_state.get ());
  if (!st)
    return;
  size_t n;
  if (s.encoding () == sessionctx::Encoding::mulaw) {
    n = len;
    st->pcm.resize (n);
    sessionctx::mulaw_decode_block (data, n, st->pcm.data ());
  } else {
    n = len / 2;
    st->pcm.resize (n);
    for (size_t i = 0; i < n; i++)
      st->pcm[i] = (int16_t) GST_READ_UINT16_BE (data + 2 * i);
  }
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
/* State changes                                                        */

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
    pads_mode = s.session_pads;
    rate = s.rate;
  }
  {
    std::lock_guard < std::mutex > l (priv->state.lock);
    priv->state.rate = rate;
    priv->state.session_pads_mode = pads_mode;
  }

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
  std::lock_guard < std::mutex > l (self->priv->state.lock);
  self->priv->state.server.reset ();
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
      s.address = g_value_get_string (value) ? g_value_get_string (value) :
          kDefaultAddress;
      break;
    case PROP_SERVER_NAME:
      s.server_name = g_value_get_string (value) ? g_value_get_string (value)
          : "";
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
      g_value_set_string (value, s.server_name.empty ()? nullptr :
          s.server_name.c_str ());
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
