/* turndetect: FastRTC's ReplyOnPause as an element.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-turndetect
 * @title: turndetect
 *
 * Finds a caller's turns in raw audio (S16LE mono, 8-48 kHz): a turn
 * begins when they have spoken for #GstTurnDetect:started-talking-threshold
 * and ends when they pause for #GstTurnDetect:pause-duration. One instance
 * per caller: inside a `sessionbin` handler, or on a `sessionsrc
 * session-pads=true` branch (never on the interleaved pad, where every
 * caller's audio is one stream).
 *
 * In the default mode (#GstTurnDetect:mode `hold`, FastRTC's
 * `ReplyOnPause`) it holds the caller's speech and, once they pause,
 * pushes that turn downstream whole: from just before the first syllable
 * (#GstTurnDetect:pre-roll) to the last one. Nothing else passes: not the
 * silence between turns, not noise. So
 * `gst-launch-1.0 sessionbin handler=turndetect` is FastRTC's echo demo:
 * each caller hears each of their utterances after they stop talking, and
 * nothing while they talk.
 *
 * A held turn is re-stamped when it is pushed: its first buffer at the
 * running time it is pushed at (the clock's now, or the input's time when
 * there is no clock; never before the end of the previous turn pushed),
 * the rest following by sample count. A live sink (`sessionsink`, an
 * audio sink) plays it from then at its own pace, not late; the input
 * goes on being listened to meanwhile (the source pad is pushed by
 * streaming threads all turndetects of the process share, one per core;
 * when a sink that syncs is downstream, a buffer ahead of its time waits
 * on the clock without holding a thread). In `live` mode every buffer
 * passes as it came.
 *
 * Each turn is bracketed in the stream by a `turn-start` and a `turn-end`
 * event (serialized custom downstream events; gst_event_parse_turn_start()
 * and gst_event_parse_turn_end() of `gst/sessionctx/turn.h`): in `hold`
 * mode right around its buffers; in `live` mode when the turn is
 * recognised (their `start` and `end` fields give the times). Buffers keep
 * their session meta.
 *
 * On the bus: an element message `turn-started` (fields `start`, `turn`,
 * `interrupt`) when a turn is recognised and `turn-ended` (fields `start`,
 * `end`, `duration`, `turn`, `reason`) when it ends; times are running
 * times of the input (guint64 ns). When the stream names its session (the
 * session-context event or the buffers' meta) they also carry `context`
 * and `session-id`, as `sessionbin` adds to every handler message.
 *
 * Interruption (#GstTurnDetect:can-interrupt, FastRTC's `can_interrupt`,
 * on by default): a turn that starts while the reply to an earlier one
 * still plays cuts that reply. `turn-started` says `interrupt` = TRUE;
 * `sessionbin` then drops what its output stage still has for that
 * session until the turn ends (the reply made by this element, by
 * elements after it or by an application's `appsrc`), and clears the
 * session (a Twilio client gets `clear`). This element itself drops what
 * it still holds of earlier turns for its output and, when any was
 * playing, sends a `session-clear` event after them (so
 * `turndetect ! sessionsink` on a session pad cuts its echo too).
 *
 * Voice activity: WebRTC's detector (libwebrtc-audio-processing, the one
 * behind `webrtcdsp voice-detection`) on 10 ms frames of the audio at
 * 8 kHz high-passed at 300 Hz, at #GstTurnDetect:vad-aggressiveness,
 * with frames quieter than #GstTurnDetect:min-level never speech; the
 * background's level is followed, so that only speech standing out of it
 * starts a turn (clicks and steady noise start none), and audio well over
 * it keeps a turn going where the detector missed a soft word.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 sessionbin handler=turndetect
 * gst-launch-1.0 -m sessionbin handler="turndetect mode=live ! fakesink" | grep turn-
 * ]|
 */

#include "turndetect/gstturndetect.h"
#include "gstsessionctxelements.h"
#include "turndetect/turndetectprivate.h"

#include <gst/audio/audio.h>
#include <gst/sessionctx/sessionctx.h>

GST_DEBUG_CATEGORY (gst_turn_detect_debug);
#define GST_CAT_DEFAULT gst_turn_detect_debug

using namespace turndetect;

enum
{
  PROP_0,
  PROP_MODE,
  PROP_STARTED_TALKING_THRESHOLD,
  PROP_SPEECH_THRESHOLD,
  PROP_PAUSE_DURATION,
  PROP_MAX_CONTINUOUS_SPEECH,
  PROP_PRE_ROLL,
  PROP_VAD_AGGRESSIVENESS,
  PROP_MIN_LEVEL,
  PROP_CAN_INTERRUPT,
  PROP_TURNS,
};

#define CAPS "audio/x-raw, format = (string) S16LE, channels = (int) 1, " \
    "rate = (int) [ 8000, 48000 ], layout = (string) interleaved"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (CAPS));

GType
gst_turn_detect_mode_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {GST_TURN_DETECT_MODE_HOLD, "Hold each turn, push it whole after the "
          "pause (ReplyOnPause)", "hold"},
    {GST_TURN_DETECT_MODE_LIVE, "Pass all audio live, turns marked by "
          "events", "live"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&id))
    g_once_init_leave (&id, g_enum_register_static ("GstTurnDetectMode",
            values));
  return (GType) id;
}

#define gst_turn_detect_parent_class parent_class
G_DEFINE_TYPE (GstTurnDetect, gst_turn_detect, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (turndetect, "turndetect", GST_RANK_NONE,
    GST_TYPE_TURN_DETECT);

/* ------------------------------------------------------------------ */
/* Pads */

static GstFlowReturn
gst_turn_detect_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  auto *self = GST_TURN_DETECT (parent);
  GstTurnDetectPrivate *priv = self->priv;
  if (!priv->vad) {
    gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  turn_detect_apply_settings (priv);
  const bool hold = priv->applied.mode == GST_TURN_DETECT_MODE_HOLD;

  GstClockTime rt = GST_BUFFER_PTS_IS_VALID (buf) ?
      gst_segment_to_running_time (&priv->segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buf)) : GST_CLOCK_TIME_NONE;
  GstMapInfo map;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ)) {
    gst_buffer_unref (buf);
    GST_ELEMENT_ERROR (self, RESOURCE, READ, (NULL), ("buffer not mappable"));
    return GST_FLOW_ERROR;
  }
  size_t n = map.size / 2;
  /* Hold: the buffer is kept (a turn may need it); live: only its time. */
  priv->held.push (hold ? buf : nullptr, n, rt);
  priv->decisions.clear ();
  priv->vad->push (reinterpret_cast<const int16_t *> (map.data), n,
      priv->decisions);
  gst_buffer_unmap (buf, &map);
  for (uint8_t frame : priv->decisions)
    priv->segmenter.push (frame, priv->marks);

  GstFlowReturn ret = GST_FLOW_OK;
  if (hold) {
    turn_detect_act_on_marks (self, buf);
    gst_buffer_unref (buf);
    ret = priv->output->flow ();
  } else {
    gst_buffer_ref (buf);
    ret = priv->output->push (buf);
    turn_detect_act_on_marks (self, buf);
    gst_buffer_unref (buf);
  }
  return ret;
}

static bool
set_caps (GstTurnDetect * self, GstCaps * caps)
{
  GstAudioInfo info;
  if (!gst_audio_info_from_caps (&info, caps) ||
      GST_AUDIO_INFO_FORMAT (&info) != GST_AUDIO_FORMAT_S16LE ||
      GST_AUDIO_INFO_CHANNELS (&info) != 1)
    return false;
  int rate = GST_AUDIO_INFO_RATE (&info);
  if (rate != self->priv->rate) {
    turn_detect_finish_stream (self, TurnEnd::eos);
    turn_detect_reset_stream (self, rate);
  }
  return true;
}

static gboolean
gst_turn_detect_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  auto *self = GST_TURN_DETECT (parent);
  GstTurnDetectPrivate *priv = self->priv;
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:{
      gboolean ok = gst_pad_push_event (self->srcpad, event);
      priv->output->flush_start ();
      return ok;
    }
    case GST_EVENT_FLUSH_STOP:{
      /* The stream lock is held: the chain is not running. */
      turn_detect_finish_stream (self, TurnEnd::flush);
      turn_detect_reset_stream (self, priv->rate);
      gst_segment_init (&priv->segment, GST_FORMAT_TIME);
      gboolean ok = gst_pad_push_event (self->srcpad, event);
      priv->output->flush_stop ();
      return ok;
    }
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      if (!set_caps (self, caps)) {
        gst_event_unref (event);
        return FALSE;
      }
      return priv->output->push_event (event);
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &priv->segment);
      if (priv->segment.format != GST_FORMAT_TIME) {
        GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
            ("only TIME segments are supported"));
        gst_event_unref (event);
        return FALSE;
      }
      return priv->output->push_event (event);
    case GST_EVENT_EOS:
      turn_detect_finish_stream (self, TurnEnd::eos);
      return priv->output->push_event (event);
    case GST_EVENT_GAP:
      /* Hold: the times of what passes are the output's own. */
      if (priv->applied.mode == GST_TURN_DETECT_MODE_HOLD) {
        gst_event_unref (event);
        return TRUE;
      }
      return priv->output->push_event (event);
    default:
      if (GST_EVENT_IS_SERIALIZED (event))
        return priv->output->push_event (event);
      return gst_pad_push_event (self->srcpad, event);
  }
}

static gboolean
gst_turn_detect_sink_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  auto *self = GST_TURN_DETECT (parent);
  if (!GST_QUERY_IS_SERIALIZED (query))
    return gst_pad_query_default (pad, parent, query);
  /* Buffers go out as they came (or cut from them): upstream's own
   * allocation is right, and a query behind a turn that is still being
   * played would hold up the input. */
  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION)
    return FALSE;
  if (!self->priv->output->wait_empty ())
    return FALSE;
  return gst_pad_peer_query (self->srcpad, query);
}

/* The latency downstream's sinks add (their LATENCY event): what is
 * queued goes out when its running time plus that is due. */
static gboolean
gst_turn_detect_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_LATENCY) {
    GstClockTime latency;
    gst_event_parse_latency (event, &latency);
    GST_TURN_DETECT (parent)->priv->output->set_latency (latency);
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_turn_detect_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  auto *self = GST_TURN_DETECT (parent);
  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  return self->priv->output->activate (active);
}

/* ------------------------------------------------------------------ */
/* Element */

static GstStateChangeReturn
gst_turn_detect_change_state (GstElement * element, GstStateChange transition)
{
  auto *self = GST_TURN_DETECT (element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    turn_detect_reset_stream (self, 0);
    gst_segment_init (&self->priv->segment, GST_FORMAT_TIME);
    std::lock_guard < std::mutex > l (self->priv->lock);
    self->priv->turns = 0;
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    turn_detect_reset_stream (self, 0);
  return ret;
}

static void
gst_turn_detect_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_TURN_DETECT (object);
  std::lock_guard < std::mutex > l (self->priv->lock);
  Settings & s = self->priv->settings;
  switch (prop_id) {
    case PROP_MODE:
      s.mode = (GstTurnDetectMode) g_value_get_enum (value);
      break;
    case PROP_STARTED_TALKING_THRESHOLD:
      s.started_talking = g_value_get_double (value);
      break;
    case PROP_SPEECH_THRESHOLD:
      s.speech_threshold = g_value_get_double (value);
      break;
    case PROP_PAUSE_DURATION:
      s.pause = g_value_get_double (value);
      break;
    case PROP_MAX_CONTINUOUS_SPEECH:
      s.max_speech = g_value_get_double (value);
      break;
    case PROP_PRE_ROLL:
      s.pre_roll = g_value_get_double (value);
      break;
    case PROP_VAD_AGGRESSIVENESS:
      s.aggressiveness = (int) g_value_get_uint (value);
      break;
    case PROP_MIN_LEVEL:
      s.min_level = g_value_get_double (value);
      break;
    case PROP_CAN_INTERRUPT:
      s.can_interrupt = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
  }
  self->priv->settings_changed.store (true, std::memory_order_release);
}

static void
gst_turn_detect_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto *self = GST_TURN_DETECT (object);
  std::lock_guard < std::mutex > l (self->priv->lock);
  const Settings & s = self->priv->settings;
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, s.mode);
      break;
    case PROP_STARTED_TALKING_THRESHOLD:
      g_value_set_double (value, s.started_talking);
      break;
    case PROP_SPEECH_THRESHOLD:
      g_value_set_double (value, s.speech_threshold);
      break;
    case PROP_PAUSE_DURATION:
      g_value_set_double (value, s.pause);
      break;
    case PROP_MAX_CONTINUOUS_SPEECH:
      g_value_set_double (value, s.max_speech);
      break;
    case PROP_PRE_ROLL:
      g_value_set_double (value, s.pre_roll);
      break;
    case PROP_VAD_AGGRESSIVENESS:
      g_value_set_uint (value, (guint) s.aggressiveness);
      break;
    case PROP_MIN_LEVEL:
      g_value_set_double (value, s.min_level);
      break;
    case PROP_CAN_INTERRUPT:
      g_value_set_boolean (value, s.can_interrupt);
      break;
    case PROP_TURNS:
      g_value_set_uint (value, self->priv->turns);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_turn_detect_finalize (GObject * object)
{
  auto *self = GST_TURN_DETECT (object);
  turn_detect_forget_context (self->priv);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_turn_detect_init (GstTurnDetect * self)
{
  self->priv = new GstTurnDetectPrivate ();
  gst_segment_init (&self->priv->segment, GST_FORMAT_TIME);

  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, gst_turn_detect_chain);
  gst_pad_set_event_function (self->sinkpad, gst_turn_detect_sink_event);
  gst_pad_set_query_function (self->sinkpad, gst_turn_detect_sink_query);
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_activatemode_function (self->srcpad,
      gst_turn_detect_src_activate_mode);
  gst_pad_set_event_function (self->srcpad, gst_turn_detect_src_event);
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->priv->output.reset (new TurnOutput (GST_ELEMENT (self),
          self->srcpad));
}

static GParamSpec *
seconds_property (const char *name, const char *nick, const char *blurb,
    double min, double max, double def, bool mutable_playing = true)
{
  return g_param_spec_double (name, nick, blurb, min, max, def,
      (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          (mutable_playing ? GST_PARAM_MUTABLE_PLAYING :
              GST_PARAM_MUTABLE_READY)));
}

static void
gst_turn_detect_class_init (GstTurnDetectClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_turn_detect_debug, "turndetect", 0,
      "Turn detection (ReplyOnPause)");

  gobject_class->set_property = gst_turn_detect_set_property;
  gobject_class->get_property = gst_turn_detect_get_property;
  gobject_class->finalize = gst_turn_detect_finalize;
  element_class->change_state = gst_turn_detect_change_state;

  const Settings d;
  /**
   * GstTurnDetect:mode:
   *
   * `hold` (the default, FastRTC's ReplyOnPause): each turn is held and
   * pushed whole once the caller pauses, re-stamped to play from then;
   * nothing else passes. `live`: all audio passes as it comes, the turns
   * marked by turn-start and turn-end events when recognised.
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "hold: push each turn whole after the caller's pause, nothing "
          "else (ReplyOnPause); live: pass all audio, turns marked by "
          "turn-start/turn-end events", GST_TYPE_TURN_DETECT_MODE, d.mode,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY)));
  /**
   * GstTurnDetect:started-talking-threshold:
   *
   * Seconds of speech that start a turn (FastRTC's
   * `started_talking_threshold`), counted in 10 ms frames within a window
   * 3 times as long (0.6 s by default, FastRTC's chunk), half of them
   * standing out of the background. Shorter sounds and clicks start none.
   */
  g_object_class_install_property (gobject_class,
      PROP_STARTED_TALKING_THRESHOLD,
      seconds_property ("started-talking-threshold",
          "Started talking threshold", "Seconds of speech (within 3 times "
          "as long) that start a turn", 0.01, 3.0, d.started_talking));
  /**
   * GstTurnDetect:speech-threshold:
   *
   * Inside a turn, a burst of speech shorter than this (seconds) that
   * comes more than 0.2 s after the last speech and never stands out of
   * the background does not keep the turn going: a blip of noise in the
   * pause does not delay its end (FastRTC's `speech_threshold`).
   */
  g_object_class_install_property (gobject_class, PROP_SPEECH_THRESHOLD,
      seconds_property ("speech-threshold", "Speech threshold",
          "Seconds a faint burst of speech in a pause must last to keep the "
          "turn going", 0.01, 5.0, d.speech_threshold));
  /**
   * GstTurnDetect:pause-duration:
   *
   * Seconds without speech that end a turn: the turn-ended message and,
   * in hold mode, the turn itself come this long after its last speech
   * (the detector's own hangover after speech adds up to about 0.1 s in
   * noise; none in silence).
   */
  g_object_class_install_property (gobject_class, PROP_PAUSE_DURATION,
      seconds_property ("pause-duration", "Pause duration",
          "Seconds without speech that end a turn", 0.05, 10.0, d.pause));
  /**
   * GstTurnDetect:max-continuous-speech:
   *
   * A turn longer than this (seconds) is ended there, reason `max-length`
   * (FastRTC's `max_continuous_speech_s`); if the caller goes on, the
   * next turn starts once they have spoken started-talking-threshold
   * more. 0: no limit (FastRTC's default), but in hold mode a turn is
   * held in memory until it ends (96 KB a second at 48 kHz), so a limit
   * bounds what one caller can make the server hold.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_CONTINUOUS_SPEECH,
      seconds_property ("max-continuous-speech", "Max continuous speech",
          "Seconds after which a turn is ended even if the caller goes on "
          "(0 = no limit)", 0.0, 3600.0, d.max_speech));
  /**
   * GstTurnDetect:pre-roll:
   *
   * Seconds of audio before the first frame the detector calls speech
   * that belong to the turn, so that a soft first syllable is not cut
   * (never reaching back into the previous turn).
   */
  g_object_class_install_property (gobject_class, PROP_PRE_ROLL,
      seconds_property ("pre-roll", "Pre-roll",
          "Seconds of audio kept before the first speech of a turn", 0.0,
          2.0, d.pre_roll));
  /**
   * GstTurnDetect:vad-aggressiveness:
   *
   * WebRTC's voice activity detector mode, 0 to 3: the higher, the fewer
   * frames it calls speech (3, the default, takes the least noise for
   * speech; `webrtcdsp voice-detection-likelihood=very-low` is 3).
   */
  g_object_class_install_property (gobject_class, PROP_VAD_AGGRESSIVENESS,
      g_param_spec_uint ("vad-aggressiveness", "VAD aggressiveness",
          "WebRTC VAD mode: 0 calls the most frames speech, 3 the fewest "
          "(least noise taken for speech)", 0, 3, (guint) d.aggressiveness,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING)));
  /**
   * GstTurnDetect:min-level:
   *
   * dBFS: a 10 ms frame whose RMS is below this is never speech, whatever
   * the detector says (it ends a turn's last syllable where the audio
   * falls silent, and faint noise never starts one).
   */
  g_object_class_install_property (gobject_class, PROP_MIN_LEVEL,
      g_param_spec_double ("min-level", "Minimum level",
          "dBFS (RMS of 10 ms) below which audio is never speech", -96.0,
          0.0, d.min_level,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING)));
  /**
   * GstTurnDetect:can-interrupt:
   *
   * In hold mode, a turn that starts while a reply plays cuts the reply
   * (FastRTC's `can_interrupt`, default TRUE): its `turn-started`
   * message says `interrupt` = TRUE, and `sessionbin` then drops what
   * plays for that session (whatever element or application made it);
   * this element drops what it still holds of earlier turns for its
   * output and sends a `session-clear` event after them when any was
   * playing. FALSE: replies play to their end (`interrupt` = FALSE). In
   * live mode nothing is cut.
   */
  g_object_class_install_property (gobject_class, PROP_CAN_INTERRUPT,
      g_param_spec_boolean ("can-interrupt", "Can interrupt",
          "A turn that starts while a reply plays cuts it (hold mode; "
          "turn-started says interrupt=TRUE, sessionbin drops the rest)",
          d.can_interrupt, (GParamFlags) (G_PARAM_READWRITE |
              G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));
  /**
   * GstTurnDetect:turns:
   *
   * Turns started since the element went to PAUSED.
   */
  g_object_class_install_property (gobject_class, PROP_TURNS,
      g_param_spec_uint ("turns", "Turns", "Turns started so far", 0,
          G_MAXUINT, 0,
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Turn detector",
      "Filter/Analyzer/Audio", "Finds a caller's turns (voice activity, "
      "pauses): holds each and pushes it whole once the caller pauses "
      "(FastRTC's ReplyOnPause), or passes audio live; marks turns with "
      "events and bus messages", GST_SESSIONCTX_AUTHOR);
  gst_type_mark_as_plugin_api (GST_TYPE_TURN_DETECT_MODE,
      (GstPluginAPIFlags) 0);
}
