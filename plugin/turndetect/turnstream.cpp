/* turndetect's stream: what the segmenter decides becomes bus messages,
 * events and, in hold mode, held turns pushed whole; a turn that starts
 * while a reply plays cuts it (can-interrupt).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "turndetect/turndetectprivate.h"

#include <gst/sessionctx/sessionctx.h>

#include <algorithm>

#define GST_CAT_DEFAULT gst_turn_detect_debug

using namespace turndetect;

void
turn_detect_forget_context (GstTurnDetectPrivate * priv)
{
  if (priv->context)
    g_object_unref (priv->context);
  priv->context = nullptr;
}

void
turn_detect_reset_stream (GstTurnDetect * self, int rate)
{
  GstTurnDetectPrivate *priv = self->priv;
  {
    std::lock_guard < std::mutex > l (priv->lock);
    priv->applied = priv->settings;
  }
  priv->rate = rate;
  priv->vad.reset (rate ? new VoiceDetector (rate,
          priv->applied.aggressiveness, priv->applied.min_level) : nullptr);
  if (priv->vad && !priv->vad->ok ())
    GST_ELEMENT_WARNING (self, LIBRARY, INIT, (NULL),
        ("WebRTC's voice activity detector could not be made: no turns"));
  priv->segmenter.reset ();
  priv->segmenter.set_settings (priv->applied.segmenter ());
  priv->held.reset (rate);
  priv->out_end = GST_CLOCK_TIME_NONE;
  priv->marks.clear ();
  priv->decisions.clear ();
  turn_detect_forget_context (priv);
}

void
turn_detect_apply_settings (GstTurnDetectPrivate * priv)
{
  if (!priv->settings_changed.exchange (false, std::memory_order_acquire))
    return;
  Settings now;
  {
    std::lock_guard < std::mutex > l (priv->lock);
    now = priv->settings;
  }
  Settings & was = priv->applied;
  if (priv->vad && now.aggressiveness != was.aggressiveness)
    priv->vad->set_aggressiveness (now.aggressiveness);
  if (priv->vad && now.min_level != was.min_level)
    priv->vad->set_min_level (now.min_level);
  SegmenterSettings seg = now.segmenter ();
  if (!(seg == priv->segmenter.settings ()))
    priv->segmenter.set_settings (seg);
  /* mode changes only in READY (where the stream is reset anyway) */
  now.mode = was.mode;
  was = now;
}

static uint64_t
sample_of (GstTurnDetectPrivate * priv, int64_t frame)
{
  return gst_util_uint64_scale_int ((guint64) std::max<int64_t> (frame, 0),
      priv->rate, 1000 / kFrameMs);
}

/* The running time now on the clock (PLAYING), or NONE. */
static GstClockTime
running_now (GstTurnDetect * self)
{
  GstClockTime t = GST_CLOCK_TIME_NONE;
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (clock) {
    GstClockTime now = gst_clock_get_time (clock);
    GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));
    if (GST_STATE (self) == GST_STATE_PLAYING && now > base)
      t = now - base;
    gst_object_unref (clock);
  }
  return t;
}

/* The running time a held turn may be pushed at: now on the clock
 * (PLAYING), at least the input's time, never before the end of what was
 * pushed before. */
static GstClockTime
push_time (GstTurnDetect * self, GstClockTime input_now)
{
  GstClockTime t = input_now;
  GstClockTime now = running_now (self);
  if (GST_CLOCK_TIME_IS_VALID (now) && (!GST_CLOCK_TIME_IS_VALID (t)
          || now > t))
    t = now;
  GstClockTime out_end = self->priv->out_end;
  if (GST_CLOCK_TIME_IS_VALID (out_end) &&
      (!GST_CLOCK_TIME_IS_VALID (t) || out_end > t))
    t = out_end;
  return GST_CLOCK_TIME_IS_VALID (t) ? t : 0;
}

/* Hold mode: the turn's samples [from, to) go downstream whole, between
 * its events, re-stamped from push_time (). */
static void
push_held_turn (GstTurnDetect * self, uint64_t from, uint64_t to,
    GstEvent * start_event, GstEvent * end_event)
{
  GstTurnDetectPrivate *priv = self->priv;
  std::vector<GstBuffer *> parts;
  priv->held.take (from, to, parts);
  GstClockTime base = push_time (self,
      priv->held.running_time_of (priv->held.end ()));

  priv->output->push_event (start_event);
  guint64 done = 0;
  for (size_t i = 0; i < parts.size (); i++) {
    GstBuffer *buf = gst_buffer_make_writable (parts[i]);
    guint64 n = gst_buffer_get_size (buf) / 2;
    GstClockTime rt = base + gst_util_uint64_scale_int (done, GST_SECOND,
        priv->rate);
    GstClockTime next = base + gst_util_uint64_scale_int (done + n,
        GST_SECOND, priv->rate);
    GstClockTime pts = gst_segment_position_from_running_time (&priv->segment,
        GST_FORMAT_TIME, rt);
    GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_IS_VALID (pts) ? pts : rt;
    GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (buf) = next - rt;
    GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
    GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
    GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_GAP);
    if (i == 0)
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    else
      GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_DISCONT);
    done += n;
    priv->output->push (buf);
  }
  priv->output->push_event (end_event);
  priv->out_end = base + gst_util_uint64_scale_int (done, GST_SECOND,
      priv->rate);
  GST_DEBUG_OBJECT (self, "turn %u: %" G_GUINT64_FORMAT " samples pushed at %"
      GST_TIME_FORMAT, priv->turn, done, GST_TIME_ARGS (base));
}

/* A turn starts (hold mode, can-interrupt): the earlier turns this
 * element still holds for its output are dropped (whole turns not begun,
 * the rest of the one playing; its turn-end stays), and if any of them
 * was playing or queued, a session-clear follows downstream so that the
 * sink drops what it holds for the session too. The next turn is stamped
 * from the clock's now, not after the one cut. */
static void
cut_reply (GstTurnDetect * self)
{
  GstTurnDetectPrivate *priv = self->priv;
  size_t dropped = priv->output->drop_turns ();
  GstClockTime now = running_now (self);
  bool playing = dropped > 0 || (GST_CLOCK_TIME_IS_VALID (priv->out_end) &&
      (!GST_CLOCK_TIME_IS_VALID (now) || priv->out_end > now));
  if (playing) {
    GST_DEBUG_OBJECT (self, "turn %u cuts the reply: %" G_GSIZE_FORMAT
        " buffers dropped", priv->turn, dropped);
    priv->output->push_event (gst_event_new_session_clear (priv->context));
  }
  priv->out_end = GST_CLOCK_TIME_NONE;
}

void
turn_detect_act_on_marks (GstTurnDetect * self, GstBuffer * buf)
{
  GstTurnDetectPrivate *priv = self->priv;
  const bool hold = priv->applied.mode == GST_TURN_DETECT_MODE_HOLD;
  for (const TurnMark & m : priv->marks) {
    uint64_t from = sample_of (priv, m.start);
    GstClockTime start = priv->held.running_time_of (from);
    if (m.kind == TurnMark::started) {
      turn_detect_forget_context (priv);
      priv->context = gst_session_context_get_current (self->sinkpad, buf);
      {
        std::lock_guard < std::mutex > l (priv->lock);
        priv->turn = ++priv->turns;
      }
      const bool interrupt = hold && priv->applied.can_interrupt;
      GST_INFO_OBJECT (self, "turn %u started at %" GST_TIME_FORMAT "%s",
          priv->turn, GST_TIME_ARGS (start), interrupt ? " (interrupts)" : "");
      /* The message first: sessionbin cuts what plays for the session
       * when it reads it, before the session-clear below reaches it. */
      GstMessage *msg = gst_message_new_turn_started (GST_OBJECT (self),
          priv->context, priv->turn, start);
      gst_structure_set (gst_message_writable_structure (msg), "interrupt",
          G_TYPE_BOOLEAN, interrupt, NULL);
      gst_element_post_message (GST_ELEMENT (self), msg);
      if (interrupt)
        cut_reply (self);
      if (!hold)
        priv->output->push_event (gst_event_new_turn_start (priv->context,
                priv->turn, start));
      continue;
    }

    uint64_t to = sample_of (priv, m.end);
    GstClockTime end = priv->held.running_time_of (to);
    const char *reason = turn_end_name (m.reason);
    GST_INFO_OBJECT (self, "turn %u ended (%s): %" GST_TIME_FORMAT " - %"
        GST_TIME_FORMAT, priv->turn, reason, GST_TIME_ARGS (start),
        GST_TIME_ARGS (end));
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_turn_ended (GST_OBJECT (self), priv->context,
            priv->turn, start, end, reason));
    if (m.reason != TurnEnd::flush) {
      GstEvent *end_event = gst_event_new_turn_end (priv->context,
          priv->turn, start, end, reason);
      if (hold)
        push_held_turn (self, from, to, gst_event_new_turn_start
            (priv->context, priv->turn, start), end_event);
      else
        priv->output->push_event (end_event);
    }
    turn_detect_forget_context (priv);
  }
  priv->marks.clear ();
  priv->held.trim_before (sample_of (priv, priv->segmenter.keep_from ()));
}

void
turn_detect_finish_stream (GstTurnDetect * self, TurnEnd reason)
{
  GstTurnDetectPrivate *priv = self->priv;
  if (!priv->vad)
    return;
  priv->segmenter.finish (reason, priv->marks);
  turn_detect_act_on_marks (self, nullptr);
}
