/* Work done off a streaming thread (a session pad's removal, a handler's):
 * gst_element_call_async () on a bounded pool of this plugin's own.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

namespace sessionctx {

/* As gst_element_call_async (): @func (@element, @data) on another thread,
 * @element referenced until it returned, then @destroy (@data). The calls
 * share a few threads (kCallThreads; GStreamer's own pool starts one per
 * call that finds all busy: a thousand sessions ending at once would be a
 * thousand threads); they run in no particular order. */
void call_async (GstElement * element, GstElementCallAsyncFunc func,
    gpointer data, GDestroyNotify destroy);

/* How many calls run at once; the others wait their turn. */
constexpr int kCallThreads = 4;

}  // namespace sessionctx
