/* What a WebRTC peer receives: each incoming stream of webrtcbin gets the
 * receive chain of its kind's track factory, ending in a pad of the peer
 * that stamps, tags and queues what it decodes on the session's pad (or,
 * before the session started, keeps it); a stream the peer cannot take
 * ends in a pad that drops it.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/webrtcpeer.h"

/* webrtcbin's pad-added, connected with the peer as its data. */
void on_incoming_pad (GstElement * webrtc, GstPad * pad, Peer * peer);
