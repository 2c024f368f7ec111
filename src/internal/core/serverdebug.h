/* The one debug category ("sessionserver") every room of the shared server
 * logs to; server_debug_init () runs before a server starts.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN (sessionctx_server_debug);

namespace sessionctx {

void server_debug_init ();

}  // namespace sessionctx
