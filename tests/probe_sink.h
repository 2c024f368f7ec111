/* A fakesink for a dynamic pad, with a probe to see what reaches it, and
 * the pad's stream id. Shared by the tests and the benchmarks.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <string>

namespace test {

/* Calls @f on the probe's buffer, or on each buffer of its buffer list
 * (sessionsrc pushes what it has ready as one list, and a sink takes it
 * whole: a probe on a sink's pad sees the list, not its buffers; on the
 * pad of an element without a chain_list function GstPad shows the list,
 * then each of its buffers again). False when the probe carries neither
 * (an event). */
template < typename F > bool
for_each_buffer (GstPadProbeInfo * info, F f)
{
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    for (guint i = 0; i < gst_buffer_list_length (list); i++)
      f (gst_buffer_list_get (list, i));
    return true;
  }
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    f (GST_PAD_PROBE_INFO_BUFFER (info));
    return true;
  }
  return false;
}

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

/* The stream id of @pad's sticky stream-start ("" without one). */
inline std::string
stream_id_of (GstPad * pad)
{
  GstEvent *e = gst_pad_get_sticky_event (pad, GST_EVENT_STREAM_START, 0);
  if (!e)
    return "";
  const gchar *id = nullptr;
  gst_event_parse_stream_start (e, &id);
  std::string out = id ? id : "";
  gst_event_unref (e);
  return out;
}

/* The element's part of a stream id gst_pad_create_stream_id () made
 * ("HASH/..."): asserted to be a hash, 32 to 64 hex digits (random without
 * a URI, a SHA-256 with one). */
inline std::string
stream_id_hash (const std::string & stream_id)
{
  const std::string hash = stream_id.substr (0, stream_id.find ('/'));
  g_assert_cmpuint (hash.size (), >=, 32);
  g_assert_cmpuint (hash.size (), <=, 64);
  g_assert_true (hash.find_first_not_of ("0123456789abcdef") ==
      std::string::npos);
  return hash;
}

}  // namespace test
