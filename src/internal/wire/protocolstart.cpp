/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "wire/protocolstart.h"

#include <string>
#include <string_view>

namespace sessionctx {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

/* Objects with more members are left to json-glib (the check for repeated
 * keys is quadratic). */
constexpr size_t kMaxPlainMembers = 32;

/* No key twice (json-glib keeps the last of a repeated key; those
 * messages go to it). */
bool
keys_unique (object obj)
{
  std::string_view keys[kMaxPlainMembers];
  size_t n = 0;
  for (auto field : obj) {
    if (n == kMaxPlainMembers)
      return false;
    for (size_t i = 0; i < n; i++)
      if (keys[i] == field.key)
        return false;
    keys[n++] = field.key;
  }
  return true;
}

/* @key's value in @obj (keys known unique): 1 found, 0 absent. */
bool
member (object obj, std::string_view key, element & out)
{
  return obj[key].get (out) == simdjson::SUCCESS;
}

bool
plain_object (element el, object & out)
{
  return el.get (out) == simdjson::SUCCESS && keys_unique (out);
}

}  // namespace

bool
parse_plain_start (GstSessionDialect dialect, object root,
    ClientMessage & out)
{
  if (!keys_unique (root))
    return false;
  element el;
  std::string_view id;
  if (dialect != GST_SESSION_DIALECT_TWILIO) {
    if (!member (root, "websocket_id", el) || el.get (id))
      return false;
    std::string sid (id);
    if (check_session_id (sid))
      return false;
    out.kind = MessageKind::start;
    out.session_id = std::move (sid);
    return true;
  }

  object start;
  bool has_start = member (root, "start", el);
  if (has_start && !plain_object (el, start))
    return false;
  /* FastRTC reads the top-level streamSid; Twilio also repeats it inside
   * "start". */
  if (member (root, "streamSid", el)) {
    if (el.get (id))
      return false;
  } else if (!has_start || !member (start, "streamSid", el) || el.get (id)) {
    return false;
  }
  std::string sid (id);
  if (check_session_id (sid))
    return false;

  ClientMessage m;
  m.kind = MessageKind::start;
  m.session_id = sid;
  m.metadata.reset (gst_structure_new ("metadata", "streamSid",
          G_TYPE_STRING, sid.c_str (), NULL));
  if (!has_start) {
    out = std::move (m);
    return true;
  }
  for (const char *key : {"callSid", "accountSid"}) {
    std::string_view v;
    if (!member (start, key, el))
      continue;
    if (el.get (v))
      return false;
    gst_structure_set (m.metadata.get (), key, G_TYPE_STRING,
        std::string (v).c_str (), NULL);
  }
  if (member (start, "tracks", el)) {
    simdjson::dom::array tracks;
    if (el.get (tracks))
      return false;
    GValue array = G_VALUE_INIT;
    gst_value_array_init (&array, 0);
    for (element t : tracks) {
      std::string_view name;
      if (t.get (name)) {
        g_value_unset (&array);
        return false;
      }
      GValue v = G_VALUE_INIT;
      g_value_init (&v, G_TYPE_STRING);
      g_value_take_string (&v, g_strndup (name.data (), name.size ()));
      gst_value_array_append_and_take_value (&array, &v);
    }
    gst_structure_take_value (m.metadata.get (), "tracks", &array);
  }
  if (member (start, "mediaFormat", el)) {
    object fmt;
    if (!plain_object (el, fmt))
      return false;
    std::string encoding;
    int64_t rate = 8000, channels = 1;
    bool has_encoding = false, has_rate = false, has_channels = false;
    std::string_view v;
    if (member (fmt, "encoding", el)) {
      if (el.get (v))
        return false;
      encoding = v;
      has_encoding = true;
    }
    /* Numbers only: json-glib's path reads numbers in strings too. */
    if (member (fmt, "sampleRate", el)) {
      if (el.type () != element_type::INT64 || el.get (rate))
        return false;
      has_rate = true;
    }
    if (member (fmt, "channels", el)) {
      if (el.type () != element_type::INT64 || el.get (channels))
        return false;
      has_channels = true;
    }
    if (has_encoding && encoding != "audio/x-mulaw") {
      if (encoding == "audio/x-l16" || encoding == "audio/l16")
        m.encoding = Encoding::l16;
      else
        return false;
    }
    if ((has_rate && (rate < 8000 || rate > 48000)) ||
        (has_channels && channels != 1))
      return false;
    const gint64 rate64 = (gint64) rate, channels64 = (gint64) channels;
    set_media_format (m.metadata.get (), has_encoding ? encoding.c_str () :
        nullptr, has_rate ? &rate64 : nullptr,
        has_channels ? &channels64 : nullptr);
    m.sample_rate = static_cast<int> (rate);
  }
  if (member (start, "customParameters", el)) {
    object params;
    if (!plain_object (el, params))
      return false;
    /* Strings only (what Twilio sends); other values go to json-glib,
     * which keeps objects and arrays as its own JSON text. */
    for (auto field : params)
      if (field.value.type () != element_type::STRING)
        return false;
    GstStructure *p = gst_structure_new_empty ("customParameters");
    for (auto field : params) {
      std::string name = field_name_from_key (std::string (field.key));
      std::string_view value;
      if (admit_field_name (name) && !field.value.get (value))
        gst_structure_set (p, name.c_str (), G_TYPE_STRING,
            std::string (value).c_str (), NULL);
    }
    gst_structure_set (m.metadata.get (), "customParameters",
        GST_TYPE_STRUCTURE, p, NULL);
    gst_structure_free (p);
  }
  out = std::move (m);
  return true;
}

}  // namespace sessionctx
