/* A caps query answered with what a pad can take or send.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

namespace sessionctx {

/* Answers @query (GST_QUERY_CAPS) with @caps (taken), narrowed to the
 * query's filter, in the filter's order. */
inline void
answer_caps_query (GstQuery * query, GstCaps * caps)
{
  GstCaps *filter;
  gst_query_parse_caps (query, &filter);
  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, caps,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = tmp;
  }
  gst_query_set_caps_result (query, caps);
  gst_caps_unref (caps);
}

}  // namespace sessionctx
