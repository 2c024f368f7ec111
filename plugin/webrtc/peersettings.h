/* What each WebRTC peer of sessionsrc is built with: the element's WebRTC
 * properties (serverproperties.cpp), copied whole under the settings lock
 * and handed whole to Peer::build.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <string>

struct PeerSettings
{
  std::string stun_server;
  std::string turn_server;
  std::string ice_addresses;    /* comma-separated; empty = all */
  guint min_port = 0;
  guint max_port = 0;
  guint opus_complexity = 0;
  /* Video sent back: VP8 or H.264 at a fixed target bitrate (kbit/s),
   * scaled down to fit the largest size, at most this many frames per
   * second. */
  guint video_bitrate = 0;
  guint video_max_width = 0;
  guint video_max_height = 0;
  guint video_max_framerate = 0;
};
