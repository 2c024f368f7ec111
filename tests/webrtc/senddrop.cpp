/* A peer's send queue dropped when its session is cleared
 * (plugin/webrtc/senddrop): what waits in the send chain's appsrc goes,
 * what is pushed after passes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/senddrop.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <atomic>

namespace {

struct Seen
{
  std::atomic<int> old_buffers { 0 };
  std::atomic<int> new_buffers { 0 };
  std::atomic<int> marks { 0 };
};

GstBuffer *
buffer (guint64 offset)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 1920, NULL);
  GST_BUFFER_OFFSET (buf) = offset;
  return buf;
}

}  // namespace

/* appsrc ! identity (50 ms a buffer: a slow encoder) ! fakesink: twenty
 * buffers queue up; drop_queued_send drops them (at most the one or two
 * the appsrc's task had taken already go on); three pushed after it all
 * arrive, no mark either. Twice, so the probe added at the first call serves the
 * second. */
static void
test_drop_queued (void)
{
  GstElement *pipeline = gst_parse_launch ("appsrc name=src is-live=true "
      "format=time caps=audio/x-raw,format=S16LE,layout=interleaved,"
      "channels=1,rate=48000 ! identity sleep-time=50000 ! "
      "fakesink name=sink sync=false async=false", NULL);
  g_assert_nonnull (pipeline);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  Seen seen;
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      [](GstPad *, GstPadProbeInfo * info, gpointer data)->GstPadProbeReturn {
        auto *s = static_cast<Seen *> (data);
        if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
          if (GST_BUFFER_OFFSET (GST_PAD_PROBE_INFO_BUFFER (info)) >= 1000)
            s->new_buffers++;
          else
            s->old_buffers++;
        } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
            GST_EVENT_CUSTOM_DOWNSTREAM) {
          s->marks++;
        }
        return GST_PAD_PROBE_OK;
      }, &seen, NULL);
  gst_object_unref (pad);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  g_assert_cmpint (gst_element_get_state (pipeline, NULL, NULL,
          5 * GST_SECOND), ==, GST_STATE_CHANGE_SUCCESS);

  for (int round = 0; round < 2; round++) {
    seen.old_buffers = 0;
    seen.new_buffers = 0;
    for (guint64 i = 0; i < 20; i++)
      g_assert_cmpint (gst_app_src_push_buffer (GST_APP_SRC (src),
              buffer (i)), ==, GST_FLOW_OK);
    drop_queued_send (src);
    for (guint64 i = 0; i < 3; i++)
      g_assert_cmpint (gst_app_src_push_buffer (GST_APP_SRC (src),
              buffer (1000 + i)), ==, GST_FLOW_OK);
    for (int i = 0; i < 300 && seen.new_buffers < 3; i++)
      g_usleep (10000);
    g_usleep (100000);
    g_test_message ("round %d: %d queued buffers went out, %d pushed after",
        round, seen.old_buffers.load (), seen.new_buffers.load ());
    g_assert_cmpint (seen.new_buffers, ==, 3);
    g_assert_cmpint (seen.old_buffers, <=, 2);
    g_assert_cmpint (seen.marks, ==, 0);
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

/* Not running: no mark is queued, as it might never come out (an appsrc
 * that stops flushes its queue) and everything pushed after it would then
 * be dropped. Called on an appsrc alone, then on one PAUSED in a
 * pipeline, which then stops and plays again: what is pushed then all
 * arrives. */
static void
test_not_running (void)
{
  GstElement *alone = gst_element_factory_make ("appsrc", NULL);
  gst_object_ref_sink (alone);
  drop_queued_send (alone);
  g_assert_cmpuint (gst_app_src_get_current_level_buffers (GST_APP_SRC
          (alone)), ==, 0);
  gst_object_unref (alone);

  GstElement *pipeline = gst_parse_launch ("appsrc name=src is-live=true "
      "format=time caps=audio/x-raw,format=S16LE,layout=interleaved,"
      "channels=1,rate=48000 ! fakesink name=sink sync=false async=false",
      NULL);
  g_assert_nonnull (pipeline);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  std::atomic<int> arrived { 0 };
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad *, GstPadProbeInfo *, gpointer data)->GstPadProbeReturn {
        (*static_cast<std::atomic<int> *> (data))++;
        return GST_PAD_PROBE_OK;
      }, &arrived, NULL);
  gst_object_unref (pad);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_element_get_state (pipeline, NULL, NULL, 5 * GST_SECOND);
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  gst_element_get_state (pipeline, NULL, NULL, 5 * GST_SECOND);
  drop_queued_send (src);
  gst_element_set_state (pipeline, GST_STATE_READY);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_element_get_state (pipeline, NULL, NULL, 5 * GST_SECOND);
  for (guint64 i = 0; i < 3; i++)
    g_assert_cmpint (gst_app_src_push_buffer (GST_APP_SRC (src),
            buffer (1000 + i)), ==, GST_FLOW_OK);
  for (int i = 0; i < 300 && arrived < 3; i++)
    g_usleep (10000);
  g_test_message ("%d of 3 pushed after a stop arrived", arrived.load ());
  g_assert_cmpint (arrived, ==, 3);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/senddrop/drop-queued", test_drop_queued);
  g_test_add_func ("/senddrop/not-running", test_not_running);
  return g_test_run ();
}
