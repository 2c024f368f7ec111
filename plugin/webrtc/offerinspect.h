/* What sessionsrc reads from a WebRTC client's SDP offer before answering.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/sdp/sdp.h>

struct OfferInfo
{
  bool has_audio = false;
  int opus_pt = -1;
  bool client_receives = true;  /* sendrecv or recvonly */
};

/* The first audio m-line of @sdp: whether there is one, its Opus payload
 * type and whether the client receives. */
OfferInfo inspect_offer (const GstSDPMessage * sdp);

/* aiortc (1.4, default settings) offers a BUNDLE group whose m-lines carry
 * different ICE credentials; webrtcbin 1.22 rejects that outright. Such a
 * group cannot be honoured anyway: drop it and answer unbundled. Returns
 * whether it did. */
bool drop_inconsistent_bundle (GstSDPMessage * sdp);

/* @text as an offer sessionsrc can answer (it parses, has media, and its
 * first audio m-line has Opus), described in @info; otherwise NULL, with
 * the error code (protocol.h) in @code and why in @detail. */
GstSDPMessage *parse_offer (const char *text, OfferInfo * info,
    const char **code, const char **detail);
