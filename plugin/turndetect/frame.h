/* The unit of turn detection: a decision about each 10 ms of audio.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstdint>

namespace turndetect {

constexpr int kFrameMs = 10;

/* What a frame holds (bits). */
enum FrameFlags : uint8_t
{
  /* The voice activity detector calls it speech (and it is not below
   * min-level). */
  kSpeech = 1,
  /* Speech that stands out of the background (a few dB over its level):
   * not the detector's hangover after a click, seldom a blip of noise. */
  kClear = 2,
  /* Well over the background, whatever the detector says: inside a turn,
   * a soft word the detector missed in noise. */
  kLoud = 4,
};

}  // namespace turndetect
