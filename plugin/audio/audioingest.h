/* Per-session audio into sessionsrc: decoded to S16LE, resampled to the
 * output rate, stamped on arrival and tagged with the session.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "audio/exactresampler.h"
#include "stream/outputpad.h"
#include "server/server.h"

#include <gst/audio/audio.h>

#include <memory>
#include <vector>

/* @element's running time now (GST_CLOCK_TIME_NONE without a clock): the
 * timestamp of audio arriving now. */
GstClockTime now_running_time (GstElement * element);

/* What sessionsrc keeps per session (lives on the Session, server thread). */
struct AudioIngest : sessionctx::ListenerState
{
  /* Audio at @in_rate for the pads of @element, at @out_rate. */
  AudioIngest (GstElement * element, int in_rate, int out_rate);
  ~AudioIngest () override;

  /* @len bytes of @s's audio as @encoding: decoded, resampled and queued
   * on #out as one buffer. */
  void media (sessionctx::Session & s, sessionctx::Encoding encoding,
      const uint8_t * data, size_t len);
  /* At the end of @s: queues what the resampler still holds. */
  void drain (sessionctx::Session & s);

  std::shared_ptr<OutputPad> out;

private:
  void push_buffer (sessionctx::Session & s, GstBuffer * buf, size_t out_n);

  GstElement *element;
  std::unique_ptr<ExactResampler> resampler;    /* when the rates differ */
  int out_rate = 0;
  guint64 out_samples = 0;
  std::vector<int16_t> decoded;  /* media () before resampling */
};
