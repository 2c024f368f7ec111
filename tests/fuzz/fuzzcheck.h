/* What every fuzz target shares: CHECK, an oracle's assertion that aborts
 * (libFuzzer then keeps the input as a crash).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <cstdio>
#include <cstdlib>

#define CHECK(cond) \
  do { \
    if (!(cond)) { \
      fprintf (stderr, "check failed: %s (%s:%d)\n", #cond, __FILE__, \
          __LINE__); \
      abort (); \
    } \
  } while (0)

/* For targets that call GStreamer: gst_init without a registry (no plugin
 * is needed, so no registry scan and none of its leaks). Define
 * FUZZ_GST_INIT before including this header in one such target. */
#ifdef FUZZ_GST_INIT
#include <gst/gst.h>

extern "C" int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_setenv ("GST_REGISTRY_DISABLE", "yes", FALSE);
  gst_init (argc, argv);
  return 0;
}
#endif
