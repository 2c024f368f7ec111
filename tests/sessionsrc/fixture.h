/* What the sessionsrc tests share: "sessionsrc ! fakesink" with a capture
 * probe, µ-law decoding, a tone check per buffer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "common.h"

#include <cmath>
#include <string>
#include <vector>

namespace {

/* "sessionsrc ! fakesink" with a capture probe (not yet playing). */
struct Pipeline : test::LivePipeline
{
  explicit Pipeline (const std::string & src_props = "",
      bool with_sink = true)
      : LivePipeline ("sessionsrc name=src port=0 address=127.0.0.1 " +
      src_props + (with_sink ? " ! fakesink name=cap sync=false async=false" :
          ""))
  {
  }
};

inline std::vector<int16_t>
decode (const std::string & mulaw)
{
  std::vector<int16_t> out (mulaw.size ());
  sessionctx::mulaw_decode_block ((const uint8_t *) mulaw.data (),
      mulaw.size (), out.data ());
  return out;
}

/* Frequency check for every buffer of a session (20 ms and longer). */
inline void
assert_buffers_have_tone (test::Capture::Session & s, double freq, int rate)
{
  g_assert_cmpuint (s.buffers.size (), >, 0);
  for (auto &[offset, len] : s.buffers) {
    if (len < (size_t) rate / 100)
      continue;                 /* too short to measure (resampler tail) */
    double f = test::estimate_frequency (s.samples.data () + offset, len,
        rate);
    if (std::fabs (f - freq) > freq * 0.1 + 30)
      g_error ("buffer at %zu (%zu samples): %.0f Hz, expected %.0f", offset,
          len, f, freq);
  }
}

}  // namespace
