/* One class repeating another's properties, from that class's own
 * definitions (sessionbin repeats sessionsrc's server properties).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

/* Installs on @klass, with ids from @first_prop_id on, a copy of every
 * property @source itself defines (not its parents'), except those named
 * in the NULL-terminated @skip: same names, types, ranges, defaults, flags
 * and blurbs. The owner forwards them by name
 * (g_object_set_property () on its @source instance). Returns the first id
 * after them. */
guint mirror_properties (GObjectClass * klass, GType source,
    guint first_prop_id, const char *const *skip);
