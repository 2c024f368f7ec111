/* A running pipeline around "sessionsrc name=src", with its bus log and
 * capture.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include "common/bus_log.h"
#include "common/capture.h"
#include "common/wait.h"

#include <memory>
#include <string>

namespace test {

inline guint
get_port (GstElement * src)
{
  guint port = 0;
  g_object_get (src, "port", &port, NULL);
  return port;
}

/* A running pipeline around "sessionsrc name=src": its bus log, the
 * element named "sink" if any, and a capture probe on the element named
 * "cap" if any. */
struct LivePipeline
{
  explicit LivePipeline (const std::string & desc)
  {
    GError *err = nullptr;
    pipeline = gst_parse_launch (desc.c_str (), &err);
    g_assert_no_error (err);
    if (!GST_IS_PIPELINE (pipeline)) {
      GstElement *bin = gst_pipeline_new (nullptr);
      gst_bin_add (GST_BIN (bin), pipeline);
      pipeline = bin;
    }
    src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
    if (GstElement * cap = gst_bin_get_by_name (GST_BIN (pipeline), "cap")) {
      GstPad *pad = gst_element_get_static_pad (cap, "sink");
      capture.attach (pad);
      gst_object_unref (pad);
      gst_object_unref (cap);
    }
    bus = std::make_unique<BusLog> (pipeline);
  }
  LivePipeline (const LivePipeline &) = delete;
  virtual ~LivePipeline ()
  {
    gst_element_set_state (pipeline, GST_STATE_NULL);
    bus.reset ();
    if (sink)
      gst_object_unref (sink);
    gst_object_unref (src);
    gst_object_unref (pipeline);
  }
  void play ()
  {
    g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
        GST_STATE_CHANGE_FAILURE);
    g_assert_cmpuint (port (), >, 0);
  }
  /* The bound port while running (re-read: it changes on restart). */
  guint port () { return get_port (src); }
  guint n_sessions ()
  {
    guint n = 0;
    g_object_get (src, "n-sessions", &n, NULL);
    return n;
  }
  bool wait_started (size_t n, guint ms = 10000)
  {
    return wait_for ([&] {
          return bus->count_elements ("session-started") >= n;
        }, ms);
  }
  bool wait_ended (size_t n, guint ms = 5000)
  {
    return wait_for ([&] {
          return bus->count_elements ("session-ended") >= n;
        }, ms);
  }

  GstElement *pipeline = nullptr;
  GstElement *src = nullptr;
  GstElement *sink = nullptr;
  Capture capture;
  std::unique_ptr<BusLog> bus;
};

}  // namespace test
