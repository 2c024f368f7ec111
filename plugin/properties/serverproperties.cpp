/* The server properties of sessionsrc: the loops over their table
 * (serverpropertytable.cpp).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "properties/serverproperties.h"

#include "properties/propertyrow.h"

#include <vector>

using properties::Row;
using properties::Spec;
using sessionctx::Server;

namespace {

const Row *const kRows = properties::kServerPropertyRows;
const guint kNumRows = properties::kServerPropertyCount;

/* One spec per row, never installed: where the defaults are read. Made
 * once and kept for the process's life, behind a pointer that is never
 * destroyed (a static vector's destructor would drop the only references
 * at exit, which LeakSanitizer then reports). */
GParamSpec *
prototype (guint row)
{
  static const std::vector < GParamSpec * >*const specs =[] {
    auto *v = new std::vector < GParamSpec * >();
    for (guint i = 0; i < kNumRows; i++)
      v->push_back (g_param_spec_ref_sink (kRows[i].spec.make ()));
    return v;
  }();
  return (*specs)[row];
}

}  // namespace

guint
server_properties_install (GObjectClass * klass, guint first_prop_id,
    const char *const *skip)
{
  for (guint i = 0; i < kNumRows; i++) {
    const Spec & spec = kRows[i].spec;
    if (skip && g_strv_contains (skip, spec.name))
      continue;
    g_object_class_install_property (klass, first_prop_id + i, spec.make ());
  }
  return first_prop_id + kNumRows;
}

ServerSettings::ServerSettings ()
{
  for (guint i = 0; i < kNumRows; i++) {
    if (!kRows[i].field.set)
      continue;
    GParamSpec *pspec = prototype (i);
    GValue value = G_VALUE_INIT;
    g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
    g_param_value_set_default (pspec, &value);
    kRows[i].field.set (*this, &value, pspec);
    g_value_unset (&value);
  }
}

bool
ServerSettings::set (guint property, const GValue * value, GParamSpec * pspec)
{
  if (property >= kNumRows || !kRows[property].field.set)
    return false;
  std::lock_guard < std::mutex > l (lock);
  kRows[property].field.set (*this, value, pspec);
  return true;
}

bool
ServerSettings::get (guint property, GValue * value, GParamSpec * pspec,
    Server * server)
{
  if (property >= kNumRows)
    return false;
  const Row & row = kRows[property];
  if (row.live && row.live (server, value))
    return true;
  if (!row.field.get)
    return false;
  std::lock_guard < std::mutex > l (lock);
  row.field.get (*this, value, pspec);
  return true;
}
