/* Turns from a voice activity decision per 10 ms frame: when a caller
 * starts talking, and when they have paused long enough that the turn is
 * over (FastRTC's ReplyOnPause, AlgoOptions). Pure logic: no GStreamer, no
 * audio; times are frame numbers.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "turndetect/frame.h"

#include <cstdint>
#include <deque>
#include <vector>

namespace turndetect {

struct SegmenterSettings
{
  /* Speech frames within start_window that start a turn, half of them at
   * least clear (standing out of the background) in runs of min_clear_run
   * or more (a click makes one or two). */
  int started_talking = 20;
  int start_window = 60;
  int min_clear_run = 3;
  /* The turn begins at the first of those, or earlier: at speech before
   * it with no gap over `bridge`, up to `lookback` frames back (a soft
   * first syllable). */
  int lookback = 100;
  /* Inside a turn, a run of speech (or loud) frames this long, one that
   * begins at most `bridge` frames after the last speech, or one with
   * min_clear_run clear or loud frames in a row, is speech; a shorter run
   * further away that never stands out of the background (a blip of
   * noise in the pause) is not. */
  int speech_threshold = 10;
  int bridge = 20;
  /* Frames without speech that end a turn. */
  int pause = 60;
  /* A turn is cut after this many frames (0: never). */
  int max_turn = 6000;
  /* Frames of audio before the first speech frame that belong to the
   * turn. */
  int pre_roll = 10;

  /* From seconds (FastRTC's units), rounded to whole frames; the start
   * window is 3 times the speech that starts a turn (FastRTC looks for it
   * in chunks of 0.6 s). */
  static SegmenterSettings from_seconds (double started_talking,
      double speech_threshold, double pause, double max_turn,
      double pre_roll);
  bool operator== (const SegmenterSettings & o) const;
};

enum class TurnEnd
{
  pause,
  max_length,
  eos,
  flush,
};

const char *turn_end_name (TurnEnd reason);

/* A decision: a turn began (start) or ended (start, end). Frames
 * [start, end) are the turn's audio, pre-roll included. */
struct TurnMark
{
  enum Kind
  {
    started,
    ended,
  } kind;
  int64_t start;
  int64_t end;
  TurnEnd reason;
};

class TurnSegmenter
{
public:
  explicit TurnSegmenter (const SegmenterSettings & settings = {});

  /* Takes effect from the next frame. */
  void set_settings (const SegmenterSettings & settings);
  const SegmenterSettings & settings () const { return s_; }

  /* The next frame's FrameFlags: a turn starts on speech, half of it
   * clear (not on the detector's hangover after clicks); speech or loud
   * audio keeps it going. Appends what it decides to @out. */
  void push (uint8_t frame, std::vector<TurnMark> & out);
  /* The stream ends (or is flushed): a turn under way ends at its last
   * speech, with @reason. */
  void finish (TurnEnd reason, std::vector<TurnMark> & out);
  /* Forget everything; frame numbers start again at 0. */
  void reset ();

  bool in_turn () const { return in_turn_; }
  /* Frames pushed so far (the next frame's number). */
  int64_t frames () const { return n_; }
  /* The first frame a turn may still need (held audio before it can go). */
  int64_t keep_from () const;

private:
  void start_turn (std::vector<TurnMark> & out);
  void end_turn (int64_t end, TurnEnd reason, std::vector<TurnMark> & out);

  SegmenterSettings s_;
  int64_t n_ = 0;
  /* Idle: the recent frames (newest last; bit 1 speech, bit 2 clear), how
   * many are speech and clear speech; their speech further back. */
  std::deque<uint8_t> window_;
  int window_speech_ = 0;
  int window_clear_ = 0;
  int clear_run_ = 0;
  std::deque<bool> history_;
  void drop_oldest ();
  void clear_idle ();
  /* No turn starts before this frame (the end of the previous one). */
  int64_t floor_ = 0;
  bool in_turn_ = false;
  int64_t start_ = 0;
  int64_t last_speech_end_ = 0;
  /* The run of speech frames going on: where it began, how long. */
  int64_t run_start_ = 0;
  int run_ = 0;
};

}  // namespace turndetect
