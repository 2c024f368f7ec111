/* A fakesink for a dynamic pad, with a probe to see what reaches it.
 * Shared by the tests and the benchmarks.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

namespace test {

/* Adds a fakesink (sync and async off) to @bin, puts @probe (@mask) on its
 * sink pad and links @pad to it. */
inline GstPadLinkReturn
link_probed_fakesink (GstBin * bin, GstPad * pad, GstPadProbeType mask,
    GstPadProbeCallback probe, gpointer data)
{
  GstElement *sink = gst_element_factory_make ("fakesink", nullptr);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (bin, sink);
  gst_element_sync_state_with_parent (sink);
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sinkpad, mask, probe, data, nullptr);
  GstPadLinkReturn ret = gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
  return ret;
}

}  // namespace test
