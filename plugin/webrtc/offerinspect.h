/* What sessionsrc reads from a WebRTC client's SDP offer before answering.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/mediakind.h"

#include <gst/sdp/sdp.h>

#include <optional>
#include <string>
#include <vector>

/* What the client does with an m-line's media, as its offer says. */
enum class OfferDirection
{
  sendrecv,
  sendonly,                     /* the client sends, does not receive */
  recvonly,                     /* the client receives, does not send */
  inactive,
};

/* "sendrecv", "sendonly", "recvonly", "inactive". */
const char *offer_direction_name (OfferDirection direction);

/* One codec of an m-line, from its a=rtpmap line. */
struct OfferedCodec
{
  std::string name;             /* the encoding name as offered ("opus") */
  int payload_type = -1;
  int clock_rate = 0;
  int channels = 0;             /* 0 when the rtpmap gives none */
  /* Its a=fmtp parameters as written ("packetization-mode=1;..."), "" when
   * it has none. */
  std::string fmtp;

  /* The value of the fmtp parameter @key (case-insensitive), "" when it
   * has none. */
  std::string fmtp_parameter (const char *key) const;
};

/* One m-line of an offer. */
struct OfferedMedia
{
  std::string media;            /* the SDP media name: "audio", "application" */
  /* audio or video; none for anything else (application: the data
   * channel, text, ...). */
  std::optional<sessionctx::MediaKind> kind;
  std::string mid;              /* a=mid, "" when there is none */
  int mline_index = -1;
  bool disabled = false;        /* port 0 (not bundle-only): turned off */
  OfferDirection direction = OfferDirection::sendrecv;
  /* Every codec with an a=rtpmap line, in the order of those lines. */
  std::vector<OfferedCodec> codecs;

  /* The first codec named @name (case-insensitive), or NULL. */
  const OfferedCodec *find_codec (const char *name) const;
  bool client_sends () const
  {
    return direction == OfferDirection::sendrecv ||
        direction == OfferDirection::sendonly;
  }
  bool client_receives () const
  {
    return direction == OfferDirection::sendrecv ||
        direction == OfferDirection::recvonly;
  }
};

/* An offer as a list of what it offers. */
struct Offer
{
  std::vector<OfferedMedia> media;      /* every m-line, by index */
  bool bundle = false;          /* it has a BUNDLE group */

  /* The first m-line of @kind the client did not turn off, or NULL. */
  const OfferedMedia *first (sessionctx::MediaKind kind) const;
};

/* Every m-line of @sdp: kind, mid, direction, codecs. The direction of an
 * m-line is the most restrictive of its a=sendrecv/sendonly/recvonly/
 * inactive lines (sendrecv when it has none). */
Offer inspect_offer (const GstSDPMessage * sdp);

/* aiortc (1.4, default settings) offers a BUNDLE group whose m-lines carry
 * different ICE credentials; webrtcbin 1.22 rejects that outright. Such a
 * group cannot be honoured anyway: drop it and answer unbundled. Returns
 * whether it did. */
bool drop_inconsistent_bundle (GstSDPMessage * sdp);

/* @text as an offer sessionsrc can answer (it parses, has media, its
 * first audio m-line has Opus, or it has no audio and its first video
 * m-line has VP8), described in @offer; otherwise NULL, with
 * the error code (protocol.h) in @code and why in @detail. */
GstSDPMessage *parse_offer (const char *text, Offer * offer,
    const char **code, const char **detail);
