/* A sink pad of ours with no element around it that waits for each
 * buffer's running time plus the latency on the clock, as a GstBaseSink
 * with sync does (sessionbin's SessionOutput). Elements that look
 * downstream for a sink that syncs (turndetect's output, which then waits
 * for a buffer's time itself instead of blocking a shared thread in the
 * sink) find it by this mark.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

namespace sessionctx {

inline GQuark
syncing_sink_quark ()
{
  return g_quark_from_static_string ("sessionctx-syncing-sink");
}

inline void
mark_syncing_sink (GstPad * pad)
{
  g_object_set_qdata (G_OBJECT (pad), syncing_sink_quark (),
      GINT_TO_POINTER (1));
}

inline bool
is_syncing_sink (GstPad * pad)
{
  return g_object_get_qdata (G_OBJECT (pad), syncing_sink_quark ()) !=
      nullptr;
}

}  // namespace sessionctx
