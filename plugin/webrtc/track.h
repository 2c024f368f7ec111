/* A kind of media a WebRTC peer carries (audio, video): the chains that
 * turn the client's RTP into the element's raw media and back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/offerinspect.h"
#include "core/mediakind.h"

#include <gst/gst.h>

#include <initializer_list>

struct PeerSettings;

/* Makes the receive and send chains of one kind of media. A peer asks the
 * factory of each kind (track_factory_for ()); a kind without one has its
 * incoming media dropped and nothing sent. Stateless: one factory serves
 * every peer, from any thread. */
class TrackFactory
{
public:
  virtual ~TrackFactory () = default;

  virtual sessionctx::MediaKind kind () const = 0;
  /* Whether it can take @media, an m-line of its kind (one of its codecs
   * is one the chains speak). */
  virtual bool accepts (const OfferedMedia & media) const = 0;
  /* A new bin (floating) from the client's RTP for @media to raw media:
   * a ghost sink pad "sink" taking webrtcbin's RTP of @encoding (the
   * encoding-name of the incoming stream's caps; NULL: unknown, the codec
   * the factory answers @media with), a ghost src pad "src" giving
   * @output_caps (the element's output for this kind). NULL when an
   * element is missing or the factory does not decode @encoding. */
  virtual GstElement *make_receive_chain (const OfferedMedia & media,
      const char *encoding, GstCaps * output_caps) const = 0;
  /* A new bin (floating) from raw media to the client's RTP for @media
   * (its payload type): an appsrc, returned in @appsrc (the bin's), that
   * takes what the session sends, and a ghost src pad "src" of RTP for
   * webrtcbin. NULL when an element is missing. */
  virtual GstElement *make_send_chain (const OfferedMedia & media,
      const PeerSettings & settings, GstElement ** appsrc) const = 0;
};

/* The factory of @kind (audio: Opus; video: VP8 or H.264), or NULL when
 * peers do not carry that kind. */
const TrackFactory *track_factory_for (sessionctx::MediaKind kind);

/* A bin of new elements of @factories, linked in this order (each made
 * element in @made), "sink" and "src" ghosting the first's sink pad (when
 * it has one) and the last's src pad; NULL, and nothing left, when one
 * could not be made. */
GstElement *make_chain_bin (std::initializer_list<const char *> factories,
    GstElement ** made);
