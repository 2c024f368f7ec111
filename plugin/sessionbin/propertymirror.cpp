/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sessionbin/propertymirror.h"

#include <gst/gst.h>

/* A copy of @spec under the same name, for another class. */
static GParamSpec *
copy_param_spec (GParamSpec * spec)
{
  const gchar *name = g_param_spec_get_name (spec);
  const gchar *nick = g_param_spec_get_nick (spec);
  const gchar *blurb = g_param_spec_get_blurb (spec);
  auto flags = (GParamFlags) (spec->flags | G_PARAM_STATIC_STRINGS);
  if (G_IS_PARAM_SPEC_UINT (spec)) {
    auto *p = G_PARAM_SPEC_UINT (spec);
    return g_param_spec_uint (name, nick, blurb, p->minimum, p->maximum,
        p->default_value, flags);
  }
  if (G_IS_PARAM_SPEC_INT (spec)) {
    auto *p = G_PARAM_SPEC_INT (spec);
    return g_param_spec_int (name, nick, blurb, p->minimum, p->maximum,
        p->default_value, flags);
  }
  if (G_IS_PARAM_SPEC_UINT64 (spec)) {
    auto *p = G_PARAM_SPEC_UINT64 (spec);
    return g_param_spec_uint64 (name, nick, blurb, p->minimum, p->maximum,
        p->default_value, flags);
  }
  if (G_IS_PARAM_SPEC_BOOLEAN (spec))
    return g_param_spec_boolean (name, nick, blurb,
        G_PARAM_SPEC_BOOLEAN (spec)->default_value, flags);
  if (G_IS_PARAM_SPEC_STRING (spec))
    return g_param_spec_string (name, nick, blurb,
        G_PARAM_SPEC_STRING (spec)->default_value, flags);
  if (G_IS_PARAM_SPEC_FLAGS (spec))
    return g_param_spec_flags (name, nick, blurb, spec->value_type,
        G_PARAM_SPEC_FLAGS (spec)->default_value, flags);
  if (G_IS_PARAM_SPEC_ENUM (spec))
    return g_param_spec_enum (name, nick, blurb, spec->value_type,
        G_PARAM_SPEC_ENUM (spec)->default_value, flags);
  if (G_IS_PARAM_SPEC_BOXED (spec))
    return g_param_spec_boxed (name, nick, blurb, spec->value_type, flags);
  g_error ("mirror_properties: property %s has a type it cannot repeat",
      name);
  return nullptr;
}

guint
mirror_properties (GObjectClass * klass, GType source, guint first_prop_id,
    const char *const *skip)
{
  auto *source_class = G_OBJECT_CLASS (g_type_class_ref (source));
  guint n = 0;
  GParamSpec **specs = g_object_class_list_properties (source_class, &n);
  guint id = first_prop_id;
  for (guint i = 0; i < n; i++) {
    if (specs[i]->owner_type != source || (skip &&
            g_strv_contains (skip, g_param_spec_get_name (specs[i]))))
      continue;
    g_object_class_install_property (klass, id++, copy_param_spec (specs[i]));
  }
  g_free (specs);
  g_type_class_unref (source_class);
  return id;
}
