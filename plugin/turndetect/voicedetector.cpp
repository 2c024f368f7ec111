/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "turndetect/voicedetector.h"
#include "audio/exactresampler.h"

#include <algorithm>
#include <cmath>

/* WebRTC's voice activity detector, as libwebrtc-audio-processing exports
 * it (common_audio/vad/include/webrtc_vad.h, a header the library does not
 * install; plugin/meson.build checks that the library has these). */
extern "C" {
  WebRtcVadInst *WebRtcVad_Create (void);
  void WebRtcVad_Free (WebRtcVadInst * handle);
  int WebRtcVad_Init (WebRtcVadInst * handle);
  int WebRtcVad_set_mode (WebRtcVadInst * handle, int mode);
  /* 1: speech, 0: not, -1: error. 10, 20 or 30 ms frames at 8, 16, 32 or
   * 48 kHz. */
  int WebRtcVad_Process (WebRtcVadInst * handle, int fs,
      const int16_t * audio_frame, size_t frame_length);
}

namespace turndetect {

/* What the detector hears. */
constexpr int kVadRate = 8000;
constexpr double kHighPassHz = 300.0;
/* Over the background's level (dB): clear speech (not the background
 * itself, which the detector goes on calling speech for a while after a
 * click: its hangover), and loud audio. */
constexpr double kClearDb = 3.0;
constexpr double kLoudDb = 6.0;

VoiceDetector::VoiceDetector (int rate, int aggressiveness,
    double min_level_db)
:  highpass_ (kHighPassHz, kVadRate), rate_ (rate),
    frame_len_ ((size_t) kVadRate * kFrameMs / 1000)
{
  if (rate_ != kVadRate)
    resampler_.reset (new ExactResampler (rate_, kVadRate));
  vad_ = WebRtcVad_Create ();
  if (vad_ && WebRtcVad_Init (vad_) != 0) {
    WebRtcVad_Free (vad_);
    vad_ = nullptr;
  }
  set_aggressiveness (aggressiveness);
  set_min_level (min_level_db);
  pending_.reserve (frame_len_);
}

VoiceDetector::~VoiceDetector ()
{
  if (vad_)
    WebRtcVad_Free (vad_);
}

void
VoiceDetector::set_aggressiveness (int aggressiveness)
{
  if (vad_)
    WebRtcVad_set_mode (vad_, std::clamp (aggressiveness, 0, 3));
}

void
VoiceDetector::set_min_level (double min_level_db)
{
  /* RMS of full scale (32768) at min_level_db, squared. */
  double rms = 32768.0 * std::pow (10.0, min_level_db / 20.0);
  min_mean_square_ = rms * rms;
}

void
VoiceDetector::push (const int16_t * samples, size_t n,
    std::vector<uint8_t> & out)
{
  size_t m = resampler_ ? resampler_->out_frames (n) : n;
  scratch_.resize (m);
  if (resampler_ && n)
    resampler_->resample (samples, n, scratch_.data ());
  else
    std::copy (samples, samples + n, scratch_.begin ());
  highpass_.process (scratch_.data (), m);
  decide_frames (scratch_.data (), m, out);
}

void
VoiceDetector::decide_frames (int16_t * samples, size_t n,
    std::vector<uint8_t> & out)
{
  while (n > 0) {
    const int16_t *frame = samples;
    size_t used;
    if (pending_.empty () && n >= frame_len_) {
      used = frame_len_;
    } else {
      used = std::min (n, frame_len_ - pending_.size ());
      pending_.insert (pending_.end (), samples, samples + used);
      if (pending_.size () < frame_len_)
        return;
      frame = pending_.data ();
    }
    samples += used;
    n -= used;

    /* The detector sees every frame (it follows the noise); the gate
     * only overrules it. */
    bool speech = vad_ &&
        WebRtcVad_Process (vad_, kVadRate, frame, frame_len_) == 1;
    double sum = 0;
    for (size_t i = 0; i < frame_len_; i++)
      sum += (double) frame[i] * frame[i];
    double ms = sum / frame_len_;
    double db = 10 * std::log10 (ms + 1e-3);
    /* Never below min-level: digital silence between words would make the
     * background's return (a line's hiss) "loud" for a second. */
    const double floor_db = 10 * std::log10 (min_mean_square_ + 1e-3);
    if (noise_db_ < -200)
      noise_db_ = std::max (db, floor_db);
    /* Down quickly, up slowly, hardly at all while there is speech. */
    double tau = db < noise_db_ ? 0.1 : speech ? 5.0 : 0.5;
    noise_db_ += (db - noise_db_) * (1 - std::exp (-kFrameMs / 1000.0 / tau));
    noise_db_ = std::max (noise_db_, floor_db);
    const bool audible = ms >= min_mean_square_;
    uint8_t flags = 0;
    if (speech && audible)
      flags |= kSpeech | (db >= noise_db_ + kClearDb ? kClear : 0);
    if (audible && db >= noise_db_ + kLoudDb)
      flags |= kLoud;
    out.push_back (flags);
    frames_++;
    pending_.clear ();
  }
}

}  // namespace turndetect
