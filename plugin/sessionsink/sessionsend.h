/* Audio of one session, at the rate it reaches a sink, to that session's
 * client: resampled to the session's output rate, as 20 ms frames to a
 * WebSocket client or PCM to a WebRTC peer's encoder; at the session's end
 * what the resampler still holds. Shared by sessionsink (one per session
 * it has seen) and sessionbin's output stage (one per session).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "audio/exactresampler.h"
#include "session/session.h"

#include <gst/gst.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace sessionsink {

/* What the sinks take: S16LE mono, any rate they resample from. */
#define SESSION_SEND_CAPS "audio/x-raw, format = (string) S16LE, " \
  "layout = (string) interleaved, channels = (int) 1, " \
  "rate = (int) [ 8000, 192000 ]"

class SessionSend
{
public:
  /* Holds @session's output (Session::hold_output) until destroyed: a
   * client that stops still gets the rest. */
  SessionSend (const std::shared_ptr<sessionctx::Session> & session,
      int in_rate);
  ~SessionSend ();
  SessionSend (const SessionSend &) = delete;
  SessionSend & operator= (const SessionSend &) = delete;

  std::shared_ptr<sessionctx::Session> session () const
  {
    return session_.lock ();
  }
  bool expired () const { return session_.expired (); }
  /* @buffer's samples (at the input rate) to @session (this one's, alive)
   * with @media, the running time of its first sample (NONE when not
   * known). False when it cannot be read. */
  bool send (sessionctx::Session & session, GstBuffer * buffer,
      GstClockTime media);
  /* At the session's end: what the resampler still holds, so the client
   * gets back exactly as much audio as came in. The number of samples. */
  size_t drain ();

private:
  std::weak_ptr<sessionctx::Session> session_;
  std::unique_ptr<ExactResampler> resampler_;
  std::vector<int16_t> resampled_;
};

}  // namespace sessionsink
