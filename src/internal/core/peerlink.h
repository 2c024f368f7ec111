/* How a WebRTC session's output reaches its peer: the one interface the
 * server holds of a peer, which lives in the element (plugin/webrtc).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace sessionctx {

/* What a session sends to its WebRTC peer. Thread-safe: called by whoever
 * sends the session's output back (sessionsink, on its streaming thread).
 * Each call is false when nothing went out (the peer is gone, or the
 * client does not take that medium or has no open data channel). */
class PeerLink
{
public:
  virtual ~PeerLink () = default;
  /* @text on the data channel. */
  virtual bool send_text (const std::string & text) = 0;
  /* @samples of 16-bit mono PCM at the session's output_rate (), of
   * media time @media: the running time of its first sample where the
   * session's output made it (NONE: unknown), which the peer's video
   * frames are lined up with. */
  virtual bool send_audio (const int16_t * pcm, size_t samples,
      GstClockTime media) = 0;
  /* One raw video frame (a sample: its buffer, caps and segment, any raw
   * format and size; taken), to be encoded; its media time is its
   * buffer's PTS through its segment. */
  virtual bool send_video (GstSample * frame) = 0;
  /* Drops the audio sent so far that has not left the server yet (the
   * session was cleared: a reply cut short). */
  virtual void drop_queued_audio ()
  {
  }
};

}  // namespace sessionctx
