/* What a probe on a sink pad saw: per session, samples, buffers, events.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.hpp>

#include "probe_sink.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace test {

/* What a probe on a sink's pad saw: per session, buffers in order, those
 * of buffer lists included (for_each_buffer). On the pad of an element
 * without a chain_list function GstPad would also show a list's buffers
 * once more, one by one: attach it to sinks. */
struct Capture
{
  struct Session
  {
    std::vector<int16_t> samples;
    std::vector<std::pair<size_t, size_t>> buffers;  /* offset, length */
    int start_events = 0;
    int end_events = 0;
    bool buffer_before_start = false;
    bool buffer_after_end = false;
    std::vector<std::string> dtmf;
  };
  std::mutex lock;
  std::map<std::string, Session> sessions;
  size_t buffers_without_context = 0;

  void attach (GstPad * pad)
  {
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM,
        [](GstPad * pad, GstPadProbeInfo * info, gpointer data) {
          static_cast<Capture *> (data)->on_data (pad, info);
          return GST_PAD_PROBE_OK;
        }, this, nullptr);
  }

  /* With the lock held. */
  void on_buffer (GstPad * pad, GstBuffer * buf)
  {
    auto ctx = gst::session::current (pad, buf);
    if (!ctx) {
      buffers_without_context++;
      return;
    }
    Session & s = sessions[ctx.id ()];
    if (!s.start_events)
      s.buffer_before_start = true;
    if (s.end_events)
      s.buffer_after_end = true;
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_READ);
    auto *p = (const int16_t *) map.data;
    s.buffers.emplace_back (s.samples.size (), map.size / 2);
    s.samples.insert (s.samples.end (), p, p + map.size / 2);
    gst_buffer_unmap (buf, &map);
  }

  void on_data (GstPad * pad, GstPadProbeInfo * info)
  {
    std::lock_guard < std::mutex > l (lock);
    if (for_each_buffer (info,[&](GstBuffer * buf) {
          on_buffer (pad, buf);
        }))
      return;
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    GstSessionContext *ctx = nullptr;
    gchar *digit = nullptr;
    if (gst_event_parse_session_start (ev, &ctx)) {
      sessions[gst_session_context_get_id (ctx)].start_events++;
    } else if (gst_event_parse_session_end (ev, &ctx, nullptr)) {
      sessions[gst_session_context_get_id (ctx)].end_events++;
    } else if (gst_event_parse_session_dtmf (ev, &ctx, &digit)) {
      sessions[gst_session_context_get_id (ctx)].dtmf.push_back (digit);
      g_free (digit);
    }
    if (ctx)
      g_object_unref (ctx);
  }

  /* A copy of every sample of session @id so far. */
  std::vector<int16_t> samples_copy (const std::string & id)
  {
    std::lock_guard < std::mutex > l (lock);
    auto it = sessions.find (id);
    return it == sessions.end ()? std::vector<int16_t> () :
        it->second.samples;
  }
  size_t samples_of (const std::string & id)
  {
    std::lock_guard < std::mutex > l (lock);
    auto it = sessions.find (id);
    return it == sessions.end ()? 0 : it->second.samples.size ();
  }
};

}  // namespace test
