/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sessionsink/sessionsend.h"

using sessionctx::Session;

namespace sessionsink {

namespace {

/* Frames sent to clients last 20 ms. */
constexpr int kFramesPerSecond = 50;

/* @n samples at the session's output rate to @session: PCM to a WebRTC
 * peer's encoder (with @media, the running time of the first: its video
 * is lined up with it), 20 ms frames to a WebSocket client. */
void
send_to_session (Session & session, const int16_t * pcm, size_t n,
    GstClockTime media)
{
  if (session.transport () == GST_SESSION_TRANSPORT_WEBRTC) {
    /* PCM at 48 kHz to the peer's Opus encoder. */
    session.send_pcm (pcm, n, media);
    return;
  }
  /* 20 ms frames; the tail of the buffer goes out too instead of waiting
   * for the next buffer: holding it back would add up to a frame of
   * latency (the resampler's look-ahead makes the first buffer short, and
   * so shifts every later one by a few samples). */
  const size_t frame = session.output_rate () / kFramesPerSecond;
  for (size_t sent = 0; sent < n;) {
    size_t len = MIN (frame, n - sent);
    if (!session.send_audio (pcm + sent, len))
      break;
    sent += len;
  }
}

}  // namespace

SessionSend::SessionSend (const std::shared_ptr<Session> & session,
    int in_rate)
:  session_ (session)
{
  session->hold_output ();
  if (in_rate != session->output_rate ())
    resampler_ = std::make_unique<ExactResampler> (in_rate,
        session->output_rate ());
}

SessionSend::~SessionSend ()
{
  if (auto s = session_.lock ())
    s->release_output ();
}

bool
SessionSend::send (Session & session, GstBuffer * buffer, GstClockTime media)
{
  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return false;
  const auto *pcm = reinterpret_cast<const int16_t *> (map.data);
  size_t n = map.size / 2;
  if (resampler_) {
    size_t out_n = resampler_->out_frames (n);
    resampled_.resize (out_n);
    resampler_->resample (pcm, n, resampled_.data ());
    pcm = resampled_.data ();
    n = out_n;
  }
  send_to_session (session, pcm, n, media);
  gst_buffer_unmap (buffer, &map);
  return true;
}

size_t
SessionSend::drain ()
{
  auto session = session_.lock ();
  if (!resampler_ || !session || !session->is_open ())
    return 0;
  resampled_.clear ();
  size_t n = resampler_->drain (resampled_);
  if (n > 0)
    send_to_session (*session, resampled_.data (), n, GST_CLOCK_TIME_NONE);
  return n;
}

}  // namespace sessionsink
