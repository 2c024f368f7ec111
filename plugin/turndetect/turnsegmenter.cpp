/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turndetect/turnsegmenter.h"

#include <algorithm>
#include <cmath>

namespace turndetect {

static int
frames_of (double seconds, int at_least)
{
  if (!(seconds > 0))
    return at_least;
  double f = std::round (seconds * 1000.0 / kFrameMs);
  return std::max (at_least, (int) std::min (f, 1e9));
}

SegmenterSettings
SegmenterSettings::from_seconds (double started_talking,
    double speech_threshold, double pause, double max_turn, double pre_roll)
{
  SegmenterSettings s;
  s.started_talking = frames_of (started_talking, 1);
  s.start_window = std::max (s.started_talking,
      (int) std::lround (s.started_talking * 3.0));
  s.speech_threshold = frames_of (speech_threshold, 1);
  s.pause = frames_of (pause, 1);
  s.max_turn = max_turn > 0 ? frames_of (max_turn, 1) : 0;
  s.pre_roll = frames_of (pre_roll, 0);
  return s;
}

bool
SegmenterSettings::operator== (const SegmenterSettings & o) const
{
  return started_talking == o.started_talking &&
      start_window == o.start_window && min_clear_run == o.min_clear_run &&
      lookback == o.lookback && speech_threshold == o.speech_threshold &&
      bridge == o.bridge &&
      pause == o.pause && max_turn == o.max_turn && pre_roll == o.pre_roll;
}

const char *
turn_end_name (TurnEnd reason)
{
  switch (reason) {
    case TurnEnd::pause:
      return "pause";
    case TurnEnd::max_length:
      return "max-length";
    case TurnEnd::eos:
      return "eos";
    case TurnEnd::flush:
      return "flush";
  }
  return "pause";
}

TurnSegmenter::TurnSegmenter (const SegmenterSettings & settings)
:  s_ (settings)
{
}

void
TurnSegmenter::set_settings (const SegmenterSettings & settings)
{
  s_ = settings;
  while ((int) window_.size () > s_.start_window)
    drop_oldest ();
  while ((int) history_.size () > s_.start_window + s_.lookback)
    history_.pop_front ();
}

void
TurnSegmenter::drop_oldest ()
{
  window_speech_ -= window_.front () & 1;
  window_clear_ -= (window_.front () & 2) >> 1;
  window_.pop_front ();
}

void
TurnSegmenter::clear_idle ()
{
  window_.clear ();
  window_speech_ = window_clear_ = 0;
  history_.clear ();
}

void
TurnSegmenter::reset ()
{
  n_ = 0;
  clear_idle ();
  clear_run_ = 0;
  floor_ = 0;
  in_turn_ = false;
  start_ = last_speech_end_ = run_start_ = 0;
  run_ = 0;
}

void
TurnSegmenter::push (uint8_t frame, std::vector<TurnMark> & out)
{
  const int64_t f = n_++;
  if (!in_turn_) {
    const bool speech = frame & kSpeech;
    clear_run_ = speech && (frame & kClear) ? clear_run_ + 1 : 0;
    window_.push_back ((uint8_t) speech);
    window_speech_ += speech;
    /* Clear frames count once their run is min_clear_run long. */
    if (clear_run_ >= s_.min_clear_run) {
      int mark = clear_run_ == s_.min_clear_run ? s_.min_clear_run : 1;
      for (int k = 0; k < mark && k < (int) window_.size (); k++) {
        window_[window_.size () - 1 - k] |= 2;
        window_clear_++;
      }
    }
    if ((int) window_.size () > s_.start_window)
      drop_oldest ();
    /* What the start may reach back over: speech, or a soft word the
     * detector missed but that is loud over the background. */
    history_.push_back (frame & (kSpeech | kLoud));
    if ((int) history_.size () > s_.start_window + s_.lookback)
      history_.pop_front ();
    if (speech && window_speech_ >= s_.started_talking &&
        window_clear_ >= std::max (1, s_.started_talking / 2))
      start_turn (out);
    return;
  }

  /* Inside a turn a soft word the detector missed in noise still counts
   * when it is loud over the background. */
  const bool speech = frame & (kSpeech | kLoud);
  clear_run_ = (frame & kLoud) || ((frame & kSpeech) && (frame & kClear)) ?
      clear_run_ + 1 : 0;
  if (speech) {
    if (run_ == 0)
      run_start_ = f;
    run_++;
    if (run_ >= s_.speech_threshold || clear_run_ >= s_.min_clear_run ||
        run_start_ - last_speech_end_ <= s_.bridge)
      last_speech_end_ = f + 1;
  } else {
    run_ = 0;
  }
  if (s_.max_turn > 0 && f + 1 - start_ >= s_.max_turn)
    end_turn (f + 1, TurnEnd::max_length, out);
  else if (f + 1 - last_speech_end_ >= s_.pause)
    end_turn (last_speech_end_, TurnEnd::pause, out);
}

void
TurnSegmenter::start_turn (std::vector<TurnMark> & out)
{
  /* The window's first clear speech frame is the onset (a stray frame of
   * noise the detector called speech is seldom clear), or speech before
   * it with no gap over bridge; the run at its end goes on into the turn. */
  const int64_t first = n_ - (int64_t) window_.size ();
  int64_t onset = n_;
  for (size_t i = 0; i < window_.size (); i++) {
    if (window_[i] & 2) {
      onset = first + (int64_t) i;
      break;
    }
  }
  const int64_t oldest = std::max (floor_, n_ - (int64_t) history_.size ());
  int gap = 0;
  for (int64_t g = onset - 1; g >= oldest && gap <= s_.bridge; g--) {
    if (history_[(size_t) (g - (n_ - (int64_t) history_.size ()))]) {
      onset = g;
      gap = 0;
    } else {
      gap++;
    }
  }
  run_ = 0;
  for (auto it = history_.rbegin (); it != history_.rend () && *it; ++it)
    run_++;
  run_start_ = n_ - run_;
  start_ = std::max ({floor_, onset - s_.pre_roll, (int64_t) 0});
  last_speech_end_ = n_;
  in_turn_ = true;
  clear_idle ();
  out.push_back ({TurnMark::started, start_, -1, TurnEnd::pause});
}

void
TurnSegmenter::end_turn (int64_t end, TurnEnd reason,
    std::vector<TurnMark> & out)
{
  out.push_back ({TurnMark::ended, start_, end, reason});
  in_turn_ = false;
  floor_ = end;
  run_ = 0;
  clear_idle ();
}

void
TurnSegmenter::finish (TurnEnd reason, std::vector<TurnMark> & out)
{
  if (in_turn_)
    end_turn (last_speech_end_, reason, out);
}

int64_t
TurnSegmenter::keep_from () const
{
  if (in_turn_)
    return start_;
  return std::max (floor_, n_ - s_.start_window - s_.lookback - s_.pre_roll);
}

}  // namespace turndetect
