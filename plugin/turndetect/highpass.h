/* A 4th-order Butterworth high-pass (two biquads, RBJ's cookbook forms),
 * run in place on S16 samples: the voice detector hears the telephone band
 * only, without the rumble below it.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace turndetect {

class HighPass
{
public:
  HighPass (double cutoff_hz, double rate)
  {
    /* The two sections of a 4th-order Butterworth: Q = 1 / (2 cos θ),
     * θ = π/8 and 3π/8. */
    const double q[2] = { 0.54119610, 1.30656296 };
    const double w0 = 2 * M_PI * cutoff_hz / rate;
    const double c = std::cos (w0), s = std::sin (w0);
    for (int i = 0; i < 2; i++) {
      double alpha = s / (2 * q[i]);
      double a0 = 1 + alpha;
      Section & k = sections_[i];
      k.b0 = (1 + c) / 2 / a0;
      k.b1 = -(1 + c) / a0;
      k.b2 = (1 + c) / 2 / a0;
      k.a1 = -2 * c / a0;
      k.a2 = (1 - alpha) / a0;
    }
  }

  void process (int16_t * samples, size_t n)
  {
    for (size_t i = 0; i < n; i++) {
      double x = samples[i];
      for (Section & k : sections_) {
        /* Direct form II transposed. */
        double y = k.b0 * x + k.z1;
        k.z1 = k.b1 * x - k.a1 * y + k.z2;
        k.z2 = k.b2 * x - k.a2 * y;
        x = y;
      }
      samples[i] = (int16_t) std::clamp (std::lround (x), -32768L, 32767L);
    }
  }

private:
  struct Section
  {
    double b0, b1, b2, a1, a2;
    double z1 = 0, z2 = 0;
  };
  Section sections_[2];
};

}  // namespace turndetect
