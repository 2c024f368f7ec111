/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "webrtc/senddrop.h"

#include <atomic>

namespace {

constexpr const char *kMarkName = "sessionctx-send-drop";

/* On the appsrc (qdata): marks queued and not out yet. */
struct SendDrop
{
  std::atomic<int> marks { 0 };
};

GQuark
send_drop_quark ()
{
  static const GQuark q = g_quark_from_static_string ("sessionctx-send-drop");
  return q;
}

GstPadProbeReturn
drop_until_mark (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto *drop = static_cast<SendDrop *> (data);
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM ||
        !gst_event_has_name (event, kMarkName))
      return GST_PAD_PROBE_OK;
    drop->marks.fetch_sub (1, std::memory_order_acq_rel);
    return GST_PAD_PROBE_DROP;
  }
  return drop->marks.load (std::memory_order_acquire) > 0 ?
      GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

}  // namespace

void
drop_queued_send (GstElement * appsrc)
{
  /* A mark queued where nothing takes it out would drop everything
   * after it. */
  if (GST_STATE (appsrc) != GST_STATE_PLAYING)
    return;
  SendDrop *drop;
  bool add_probe = false;
  GST_OBJECT_LOCK (appsrc);
  drop = static_cast<SendDrop *> (g_object_get_qdata (G_OBJECT (appsrc),
          send_drop_quark ()));
  if (!drop) {
    drop = new SendDrop;
    g_object_set_qdata_full (G_OBJECT (appsrc), send_drop_quark (), drop,
        [](gpointer d) {
          delete static_cast<SendDrop *> (d);
        });
    add_probe = true;
  }
  GST_OBJECT_UNLOCK (appsrc);
  if (add_probe) {
    GstPad *pad = gst_element_get_static_pad (appsrc, "src");
    gst_pad_add_probe (pad, (GstPadProbeType)
        (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
            GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM), drop_until_mark, drop,
        nullptr);
    gst_object_unref (pad);
  }
  drop->marks.fetch_add (1, std::memory_order_acq_rel);
  /* appsrc queues a serialized event behind its buffers. */
  if (!gst_element_send_event (appsrc,
          gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
              gst_structure_new_empty (kMarkName))))
    drop->marks.fetch_sub (1, std::memory_order_acq_rel);
}
