/* A sine tone across frames, and the frequency of what comes back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "wire/mulaw.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace test {

/* A sine tone, continuous across frames. */
class Tone
{
public:
  Tone (double freq, int rate, double amplitude = 8000):freq_ (freq),
      rate_ (rate), amp_ (amplitude) {}
  std::vector<int16_t> next (size_t n)
  {
    std::vector<int16_t> out (n);
    for (auto & s : out)
      s = (int16_t) std::lround (amp_ * std::sin (2 * M_PI * freq_ *
              (double) pos_++ / rate_));
    return out;
  }
  std::string next_mulaw (size_t n)
  {
    auto pcm = next (n);
    std::string out (n, '\0');
    sessionctx::mulaw_encode_block (pcm.data (), n, (uint8_t *) out.data ());
    return out;
  }
private:
  double freq_;
  int rate_;
  double amp_;
  guint64 pos_ = 0;
};

/* Frequency of a (roughly pure) tone from its zero crossings. */
inline double
estimate_frequency (const int16_t * s, size_t n, int rate)
{
  size_t crossings = 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i - 1] < 0) != (s[i] < 0))
      crossings++;
  return crossings * (double) rate / (2.0 * n);
}

}  // namespace test
