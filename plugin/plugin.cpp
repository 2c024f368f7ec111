/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsessionctxelements.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (sessionsrc, plugin);
  ret |= GST_ELEMENT_REGISTER (sessionsink, plugin);
  ret |= GST_ELEMENT_REGISTER (sessioninfo, plugin);
  ret |= GST_ELEMENT_REGISTER (sessionbin, plugin);
  ret |= GST_ELEMENT_REGISTER (turndetect, plugin);
  ret |= GST_ELEMENT_REGISTER (rtphdrextsessionctx, plugin);
  ret |= GST_ELEMENT_REGISTER (sessionsticky, plugin);
  return ret;
}

/* PACKAGE, VERSION, GST_PACKAGE_NAME and GST_PACKAGE_ORIGIN: config.h,
 * from meson (the project's version, -Dpackage-name, -Dpackage-origin). */
GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, sessionctx,
    "Session context for real-time clients over WebSocket and WebRTC",
    plugin_init, VERSION, "LGPL", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
