/* Stopping a webrtcbin safely on GStreamer 1.22.0-1.22.3.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

namespace sessionctx {

/* Drops what the network delivers to the SRTP decoders in @bin from now
 * on. srtpdec 1.22.0-1.22.3 races with its own PAUSED->READY when the
 * peer's first RTCP packet comes in while it stops: it deactivates rtp_src
 * (dropping its sticky events) before rtcp_src, then pushes that packet on
 * rtcp_src without a segment ("Got data flow before segment event") or,
 * with no stream-start to copy, asserts in gst_pad_create_stream_id ()
 * (upstream MR 4844, fixed in 1.22.4; Debian 12 ships 1.22.0). Call it
 * before stopping a client whose peer still sends. */
inline void
drop_incoming_srtp (GstElement * bin)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    auto *e = GST_ELEMENT (g_value_get_object (&item));
    GstElementFactory *f = gst_element_get_factory (e);
    GstPad *sink = f && g_str_equal (GST_OBJECT_NAME (f), "srtpdec") ?
        gst_element_get_static_pad (e, "rtp_sink") : nullptr;
    if (sink) {
      gst_pad_add_probe (sink, (GstPadProbeType)
          (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
          [](GstPad *, GstPadProbeInfo *, gpointer) {
            return GST_PAD_PROBE_DROP;
          }, nullptr, nullptr);
      /* A packet already past the probe finishes under the stream lock. */
      GST_PAD_STREAM_LOCK (sink);
      GST_PAD_STREAM_UNLOCK (sink);
      gst_object_unref (sink);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}

}  // namespace sessionctx
