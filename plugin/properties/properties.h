/* String properties held as std::string by the elements.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include <string>

/* NULL is stored as "" ... */
inline std::string
string_property (const GValue * value, const char *if_null = "")
{
  const gchar *s = g_value_get_string (value);
  return s ? s : if_null;
}

/* ... and "" reads back as NULL. */
inline void
set_string_property (GValue * value, const std::string & s)
{
  g_value_set_string (value, s.empty ()? nullptr : s.c_str ());
}
