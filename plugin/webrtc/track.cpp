/* The track factory of each kind of media.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/track.h"
#include "webrtc/audiotrack.h"

const TrackFactory *
track_factory_for (sessionctx::MediaKind kind)
{
  static const AudioTrackFactory audio;
  switch (kind) {
    case sessionctx::MediaKind::audio:
      return &audio;
    case sessionctx::MediaKind::video:
      break;
  }
  return nullptr;
}
