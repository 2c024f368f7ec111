/* The track factory of each kind of media.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/track.h"
#include "webrtc/audiotrack.h"
#include "webrtc/videotrack.h"

const TrackFactory *
track_factory_for (sessionctx::MediaKind kind)
{
  static const AudioTrackFactory audio;
  static const VideoTrackFactory video;
  switch (kind) {
    case sessionctx::MediaKind::audio:
      return &audio;
    case sessionctx::MediaKind::video:
      return &video;
  }
  return nullptr;
}

GstElement *
make_chain_bin (std::initializer_list<const char *> factories,
    GstElement ** made)
{
  size_t n = 0;
  bool missing = false;
  for (const char *f : factories) {
    made[n] = gst_element_factory_make (f, nullptr);
    missing |= made[n] == nullptr;
    n++;
  }
  if (missing) {
    for (size_t i = 0; i < n; i++)
      if (made[i])
        gst_object_unref (gst_object_ref_sink (made[i]));
    return nullptr;
  }
  GstElement *bin = gst_bin_new (nullptr);
  for (size_t i = 0; i < n; i++) {
    gst_bin_add (GST_BIN (bin), made[i]);
    if (i > 0)
      gst_element_link (made[i - 1], made[i]);
  }
  if (GstPad *sink = gst_element_get_static_pad (made[0], "sink")) {
    gst_element_add_pad (bin, gst_ghost_pad_new ("sink", sink));
    gst_object_unref (sink);
  }
  GstPad *src = gst_element_get_static_pad (made[n - 1], "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", src));
  gst_object_unref (src);
  return bin;
}

