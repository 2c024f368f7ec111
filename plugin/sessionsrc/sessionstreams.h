/* One session's streams inside sessionsrc: the output pad of each media
 * kind it carries and what turns its WebSocket audio into buffers.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "audio/audioingest.h"
#include "core/listener.h"
#include "core/mediakind.h"
#include "stream/outputpad.h"

#include <memory>

/* Kept on the Session (its ListenerState), made when it starts, read on
 * the session's I/O thread and at its end. With session-pads each kind the
 * session carries has a pad of its own; otherwise its audio shares the
 * element's interleaved pad (bracketed by session-start and session-end
 * events). Kinds the session does not carry have no pad. */
struct SessionStreams : sessionctx::ListenerState
{
  std::shared_ptr<OutputPad> pads[sessionctx::kMediaKindCount];
  /* The session's audio, decoded, resampled and tagged (WebSocket clients;
   * a WebRTC peer's audio is decoded by its receive chain and pushed on
   * the audio pad directly, so only the drain at its end runs here). */
  std::unique_ptr<AudioIngest> audio;
  /* Whether the pads are the session's own (session-pads): its end is
   * their EOS, not a session-end event on a shared pad. */
  bool own_pads = false;

  const std::shared_ptr<OutputPad> & pad (sessionctx::MediaKind kind) const
  {
    return pads[(int) kind];
  }
};
