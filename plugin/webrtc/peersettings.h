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
};
