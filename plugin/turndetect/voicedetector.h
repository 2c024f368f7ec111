/* Is there a voice in each 10 ms of a mono S16 stream? The stream at
 * 8 kHz, high-passed at 300 Hz (the telephone band: rumble below it is
 * what made the detector take steady noise for speech), into the WebRTC
 * voice activity detector (libwebrtc-audio-processing, the one webrtcdsp's
 * voice-detection uses: a Gaussian mixture over six sub-band energies,
 * adapting to the noise), behind a level gate: a frame quieter than
 * min-level is never speech.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "turndetect/frame.h"
#include "turndetect/highpass.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

class ExactResampler;
struct WebRtcVadInst;

namespace turndetect {

class VoiceDetector
{
public:
  /* @rate: 8000-48000, resampled to 8 kHz (what WebRTC's detector
   * analyses at any rate), so every rate is heard the same way.
   * @aggressiveness: 0 (calls the most frames speech) to 3 (the fewest:
   * least noise taken for speech). @min_level_db: dBFS (RMS of a frame). */
  VoiceDetector (int rate, int aggressiveness, double min_level_db);
  ~VoiceDetector ();
  VoiceDetector (const VoiceDetector &) = delete;
  VoiceDetector & operator= (const VoiceDetector &) = delete;

  /* False if the detector could not be made (then every frame is
   * silence). */
  bool ok () const { return vad_ != nullptr; }
  void set_aggressiveness (int aggressiveness);
  void set_min_level (double min_level_db);

  /* @n samples at the stream's rate; appends the FrameFlags of every
   * frame they complete (frame k is the stream's [k × 10 ms, (k + 1) ×
   * 10 ms)). */
  void push (const int16_t * samples, size_t n, std::vector<uint8_t> & out);
  /* Frames decided so far. */
  int64_t frames () const { return frames_; }
  int rate () const { return rate_; }

private:
  void decide_frames (int16_t * samples, size_t n,
      std::vector<uint8_t> & out);

  WebRtcVadInst *vad_ = nullptr;
  std::unique_ptr<ExactResampler> resampler_;
  HighPass highpass_;
  int rate_;
  size_t frame_len_;
  double min_mean_square_ = 0;
  /* The background's level (dB of mean square), followed on the frames
   * that are not speech; < -200: not known yet. */
  double noise_db_ = -1000;
  /* Samples at 8 kHz not yet a whole frame; scratch for resampling. */
  std::vector<int16_t> pending_;
  std::vector<int16_t> scratch_;
  int64_t frames_ = 0;
};

}  // namespace turndetect
