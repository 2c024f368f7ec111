/* What turndetect's element (gstturndetect.cpp) and its stream
 * (turnstream.cpp: the segmenter's marks become messages, events and held
 * turns; a reply cut) share: the instance and its settings.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "turndetect/gstturndetect.h"
#include "turndetect/heldaudio.h"
#include "turndetect/turnoutput.h"
#include "turndetect/turnsegmenter.h"
#include "turndetect/voicedetector.h"

#include <gst/sessionctx/sessionctx.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

GST_DEBUG_CATEGORY_EXTERN (gst_turn_detect_debug);

namespace turndetect {

/* What the properties say (FastRTC's AlgoOptions where it has one). */
struct Settings
{
  GstTurnDetectMode mode = GST_TURN_DETECT_MODE_HOLD;
  double started_talking = 0.2;
  double speech_threshold = 0.1;
  double pause = 0.6;
  double max_speech = 60.0;
  double pre_roll = 0.1;
  int aggressiveness = 3;
  double min_level = -55.0;
  bool can_interrupt = true;

  SegmenterSettings segmenter () const
  {
    return SegmenterSettings::from_seconds (started_talking,
        speech_threshold, pause, max_speech, pre_roll);
  }
};

}  // namespace turndetect

struct GstTurnDetectPrivate
{
  std::mutex lock;              /* guards settings and turns */
  turndetect::Settings settings;
  guint turns = 0;
  /* Set when a property changed #settings: the stream applies them at
   * its next buffer (no lock per buffer otherwise). */
  std::atomic<bool> settings_changed { false };

  /* The streaming thread's (sink pad: chain and serialized events). */
  turndetect::Settings applied;
  int rate = 0;
  std::unique_ptr<turndetect::VoiceDetector> vad;
  turndetect::TurnSegmenter segmenter;
  turndetect::HeldAudio held;
  GstSegment segment;
  /* The turn under way: its number, its session, its start. */
  guint turn = 0;
  GstSessionContext *context = nullptr;
  /* Running time just past the last held turn pushed. */
  GstClockTime out_end = GST_CLOCK_TIME_NONE;
  std::vector<uint8_t> decisions;
  std::vector<turndetect::TurnMark> marks;

  std::unique_ptr<turndetect::TurnOutput> output;
};

struct _GstTurnDetect
{
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  GstTurnDetectPrivate *priv;
};

/* turnstream.cpp (the streaming thread's, or with the stream lock) */
void turn_detect_forget_context (GstTurnDetectPrivate * priv);
/* A new stream at @rate (0: none yet): nothing held, nothing decided. */
void turn_detect_reset_stream (GstTurnDetect * self, int rate);
/* Property changes reach the stream between buffers (only when one
 * changed since: #settings_changed). */
void turn_detect_apply_settings (GstTurnDetectPrivate * priv);
/* What the segmenter decided: messages, events, held turns. @buf: the
 * buffer just analysed (its session names the turn), or NULL. */
void turn_detect_act_on_marks (GstTurnDetect * self, GstBuffer * buf);
/* The stream ends (EOS, new format, flush): the turn under way ends. */
void turn_detect_finish_stream (GstTurnDetect * self,
    turndetect::TurnEnd reason);
