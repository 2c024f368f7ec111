/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

/* Every element's author, in gst_element_class_set_static_metadata ()
 * (sessionbin's says the same). */
#define GST_SESSIONCTX_AUTHOR "gst-sessionctx"

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (sessionsrc);
GST_ELEMENT_REGISTER_DECLARE (sessionsink);
GST_ELEMENT_REGISTER_DECLARE (sessioninfo);
GST_ELEMENT_REGISTER_DECLARE (sessionbin);
GST_ELEMENT_REGISTER_DECLARE (turndetect);
GST_ELEMENT_REGISTER_DECLARE (rtphdrextsessionctx);
GST_ELEMENT_REGISTER_DECLARE (sessionsticky);

G_END_DECLS
