/* A server property as a row of data: its GParamSpec, where its value
 * lives in ServerSettings, what the running server answers instead; and
 * the table of them (serverpropertytable.cpp) that serverproperties.cpp
 * loops over.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "properties/serverproperties.h"

#include <gst/gst.h>

#include <string>
#include <type_traits>

namespace properties {

using sessionctx::ServerConfig;
using sessionctx::Server;

/* ------------------------------------------------------------------ */
/* A row: the spec, where the value lives, what the running server says */

inline const GParamFlags kReadWrite = (GParamFlags) (G_PARAM_READWRITE |
    G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
inline const GParamFlags kReadOnly = (GParamFlags) (G_PARAM_READABLE |
    G_PARAM_STATIC_STRINGS);
inline const GParamFlags kWriteOnly = (GParamFlags) (G_PARAM_WRITABLE |
    G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

/* A property's GParamSpec as data: made afresh for each class that
 * installs it (a spec belongs to one class). */
struct Spec
{
  enum Kind { UINT, INT, UINT64, BOOLEAN, STRING, FLAGS, ENUM, BOXED } kind;
  const char *name;
  const char *nick;
  const char *blurb;
  /* Numbers, booleans, flags and enums, each as its type's bits. */
  guint64 minimum, maximum, default_value;
  const char *default_string;
  GType (*type) ();             /* flags, enums, boxed */
  GParamFlags flags;

  GParamSpec *make () const
  {
    switch (kind) {
      case UINT:
        return g_param_spec_uint (name, nick, blurb, (guint) minimum,
            (guint) maximum, (guint) default_value, flags);
      case INT:
        return g_param_spec_int (name, nick, blurb, (gint) minimum,
            (gint) maximum, (gint) default_value, flags);
      case UINT64:
        return g_param_spec_uint64 (name, nick, blurb, minimum, maximum,
            default_value, flags);
      case BOOLEAN:
        return g_param_spec_boolean (name, nick, blurb, default_value != 0,
            flags);
      case STRING:
        return g_param_spec_string (name, nick, blurb, default_string, flags);
      case FLAGS:
        return g_param_spec_flags (name, nick, blurb, type (),
            (guint) default_value, flags);
      case ENUM:
        return g_param_spec_enum (name, nick, blurb, type (),
            (gint) default_value, flags);
      case BOXED:
        return g_param_spec_boxed (name, nick, blurb, type (), flags);
    }
    g_assert_not_reached ();
    return nullptr;
  }
};

/* The rows' spec constructors: g_param_spec_*'s arguments, flags
 * read-write and mutable in READY unless given. */
inline Spec
uint_spec (const char *name, const char *nick, const char *blurb,
    guint minimum, guint maximum, guint default_value,
    GParamFlags flags = kReadWrite)
{
  return {Spec::UINT, name, nick, blurb, minimum, maximum, default_value,
      nullptr, nullptr, flags};
}

inline Spec
int_spec (const char *name, const char *nick, const char *blurb,
    gint minimum, gint maximum, gint default_value,
    GParamFlags flags = kReadWrite)
{
  return {Spec::INT, name, nick, blurb, (guint64) minimum, (guint64) maximum,
      (guint64) default_value, nullptr, nullptr, flags};
}

inline Spec
uint64_spec (const char *name, const char *nick, const char *blurb,
    guint64 minimum, guint64 maximum, guint64 default_value,
    GParamFlags flags = kReadWrite)
{
  return {Spec::UINT64, name, nick, blurb, minimum, maximum, default_value,
      nullptr, nullptr, flags};
}

inline Spec
boolean_spec (const char *name, const char *nick, const char *blurb,
    gboolean default_value, GParamFlags flags = kReadWrite)
{
  return {Spec::BOOLEAN, name, nick, blurb, 0, 1, (guint64) default_value,
      nullptr, nullptr, flags};
}

inline Spec
string_spec (const char *name, const char *nick, const char *blurb,
    const char *default_value, GParamFlags flags = kReadWrite)
{
  return {Spec::STRING, name, nick, blurb, 0, 0, 0, default_value, nullptr,
      flags};
}

inline Spec
flags_spec (const char *name, const char *nick, const char *blurb,
    GType (*type) (), guint default_value, GParamFlags flags = kReadWrite)
{
  return {Spec::FLAGS, name, nick, blurb, 0, 0, default_value, nullptr, type,
      flags};
}

inline Spec
enum_spec (const char *name, const char *nick, const char *blurb,
    GType (*type) (), gint default_value, GParamFlags flags = kReadWrite)
{
  return {Spec::ENUM, name, nick, blurb, 0, 0, (guint64) default_value,
      nullptr, type, flags};
}

inline Spec
boxed_spec (const char *name, const char *nick, const char *blurb,
    GType (*type) (), GParamFlags flags = kReadWrite)
{
  return {Spec::BOXED, name, nick, blurb, 0, 0, 0, nullptr, type, flags};
}

/* Where a property's value lives: how a GValue of its spec's type is
 * stored there and read back. */
struct Field
{
  void (*set) (ServerSettings &, const GValue *, GParamSpec *);
  void (*get) (const ServerSettings &, GValue *, GParamSpec *);
};

/* Only the running server knows it (n-sessions, stats). */
inline constexpr Field kNoValue = { nullptr, nullptr };

/* NULL is stored as the property's default ("" without one) ... */
inline void
from_value (std::string & field, const GValue * value, GParamSpec * pspec)
{
  const gchar *s = g_value_get_string (value);
  const gchar *if_null = G_PARAM_SPEC_STRING (pspec)->default_value;
  field = s ? s : if_null ? if_null : "";
}

/* ... and "" reads back as NULL, unless the property has a default
 * (address: then as it is). */
inline void
to_value (const std::string & field, GValue * value, GParamSpec * pspec)
{
  g_value_set_string (value, field.empty () &&
      !G_PARAM_SPEC_STRING (pspec)->default_value ? nullptr : field.c_str ());
}

/* Numbers, booleans, enums, flags: through the spec's own type. */
template < typename T > void
from_value (T & field, const GValue * value, GParamSpec *)
{
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value))) {
    case G_TYPE_BOOLEAN:
      field = static_cast < T > (g_value_get_boolean (value) != FALSE);
      break;
    case G_TYPE_INT:
      field = static_cast < T > (g_value_get_int (value));
      break;
    case G_TYPE_UINT:
      field = static_cast < T > (g_value_get_uint (value));
      break;
    case G_TYPE_UINT64:
      field = static_cast < T > (g_value_get_uint64 (value));
      break;
    case G_TYPE_ENUM:
      field = static_cast < T > (g_value_get_enum (value));
      break;
    case G_TYPE_FLAGS:
      field = static_cast < T > (g_value_get_flags (value));
      break;
    default:
      g_assert_not_reached ();
  }
}

template < typename T > void
to_value (const T & field, GValue * value, GParamSpec *)
{
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value))) {
    case G_TYPE_BOOLEAN:
      g_value_set_boolean (value, static_cast < gint64 > (field) != 0);
      break;
    case G_TYPE_INT:
      g_value_set_int (value, static_cast < gint > (field));
      break;
    case G_TYPE_UINT:
      g_value_set_uint (value, static_cast < guint > (field));
      break;
    case G_TYPE_UINT64:
      g_value_set_uint64 (value, static_cast < guint64 > (field));
      break;
    case G_TYPE_ENUM:
      g_value_set_enum (value, static_cast < gint > (field));
      break;
    case G_TYPE_FLAGS:
      g_value_set_flags (value, static_cast < guint > (field));
      break;
    default:
      g_assert_not_reached ();
  }
}

template < typename M > struct MemberOf;
template < typename C, typename T > struct MemberOf <T C::*>
{
  using Class = C;
};

/* The part of the settings a member of @C lives in. */
template < typename C, typename S > auto &
part (S & s)
{
  if constexpr (std::is_same_v < C, ServerConfig >)
    return s.server;
  else if constexpr (std::is_same_v < C, PeerSettings >)
    return s.webrtc;
  else {
    static_assert (std::is_same_v < C, OutputSettings >,
        "a server property lives in ServerConfig, PeerSettings or "
        "OutputSettings");
    return s.output;
  }
}

/* The value lives in @member (of ServerConfig, PeerSettings or
 * OutputSettings), as is. */
template < auto member > inline constexpr Field value_in = {
  [](ServerSettings & s, const GValue * value, GParamSpec * pspec) {
    using C = typename MemberOf < decltype (member) >::Class;
    from_value (part < C > (s).*member, value, pspec);
  },
  [](const ServerSettings & s, GValue * value, GParamSpec * pspec) {
    using C = typename MemberOf < decltype (member) >::Class;
    to_value (part < C > (s).*member, value, pspec);
  },
};

/* What the running server answers instead (false: the stored value). */
using LiveValue = bool (*) (Server * server, GValue * value);

struct Row
{
  Spec spec;
  Field field;
  LiveValue live = nullptr;
};

/* Every server property, in the order of their ids. */
extern const Row kServerPropertyRows[];
extern const guint kServerPropertyCount;

}  // namespace properties
