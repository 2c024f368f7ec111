/* For the fuzz targets whose code makes GQuarks of client strings (the
 * field names of Twilio's customParameters): GLib leaks its quark array on
 * purpose each time 2048 more quarks exist (lock-free lookups; see
 * g_quark_new), which LeakSanitizer rightly reports. The quark functions
 * are wrapped so that exactly their allocations are not counted, and so
 * are those made before fuzzing starts; every other leak still is.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <sanitizer/lsan_interface.h>

#include <dlfcn.h>

#define SESSIONCTX_FUZZ_UNCOUNTED(ret, name) \
  extern "C" ret \
  name (const gchar * string) \
  { \
    static auto real = reinterpret_cast<ret (*) (const gchar *)> \
        (dlsym (RTLD_NEXT, #name)); \
    __lsan_disable (); \
    ret r = real (string); \
    __lsan_enable (); \
    return r; \
  }

SESSIONCTX_FUZZ_UNCOUNTED (GQuark, g_quark_from_string)
SESSIONCTX_FUZZ_UNCOUNTED (GQuark, g_quark_from_static_string)
SESSIONCTX_FUZZ_UNCOUNTED (const gchar *, g_intern_string)
SESSIONCTX_FUZZ_UNCOUNTED (const gchar *, g_intern_static_string)

/* GLib makes its first quark array in its constructor: allocations are
 * not counted from before it (.preinit_array runs before the libraries'
 * constructors) to the end of gst_init. */
static void
fuzz_uncounted_from_start ()
{
  __lsan_disable ();
}

__attribute__((section (".preinit_array"), used))
static void (*fuzz_preinit) () = fuzz_uncounted_from_start;

static inline void
fuzz_gst_init (int *argc, char ***argv)
{
  gst_init (argc, argv);
  __lsan_enable ();
}
