/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/serverdebug.h"

GST_DEBUG_CATEGORY (sessionctx_server_debug);

namespace sessionctx {

void
server_debug_init ()
{
  static gsize once = 0;
  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (sessionctx_server_debug, "sessionserver", 0,
        "gst-sessionctx shared WebSocket server");
    g_once_init_leave (&once, 1);
  }
}

}  // namespace sessionctx
