/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (sessionsrc);
GST_ELEMENT_REGISTER_DECLARE (sessionsink);
GST_ELEMENT_REGISTER_DECLARE (sessioninfo);
GST_ELEMENT_REGISTER_DECLARE (sessionbin);

G_END_DECLS
