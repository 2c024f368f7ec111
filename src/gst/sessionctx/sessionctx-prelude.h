/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

/* Every public symbol of libgstsessionctx-1.0 carries GST_SESSIONCTX_API; the
 * library is built with -fvisibility=hidden so nothing else is exported. */
#ifndef GST_SESSIONCTX_API
#ifdef BUILDING_GST_SESSIONCTX
#define GST_SESSIONCTX_API __attribute__ ((visibility ("default")))
#else
#define GST_SESSIONCTX_API extern
#endif
#endif
