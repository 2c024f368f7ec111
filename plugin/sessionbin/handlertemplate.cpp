/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sessionbin/handlertemplate.h"

#include <cstring>

namespace sessionbin {

static bool
allowed (unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string
sanitize (const char *value)
{
  std::string out;
  if (!value)
    return out;
  const char *p = value;
  const char *end = value + strlen (value);
  while (p < end) {
    unsigned char c = (unsigned char) *p;
    if (allowed (c)) {
      out += (char) c;
      p++;
      continue;
    }
    out += '_';
    /* One '_' per character: skip a whole valid UTF-8 sequence, or one
     * invalid byte. */
    gunichar ch = g_utf8_get_char_validated (p, end - p);
    p += ch < 0x110000 ? g_utf8_skip[c] : 1;
  }
  return out;
}

std::string
expand (const std::string & description, GstSessionContext * context)
{
  struct Field
  {
    const char *token;
    std::string value;
  };
  const Field fields[] = {
    {"{session_id}", sanitize (gst_session_context_get_id (context))},
    {"{transport}", sanitize (gst_session_transport_to_string
              (gst_session_context_get_transport (context)))},
    {"{dialect}", sanitize (gst_session_dialect_to_string
              (gst_session_context_get_dialect (context)))},
  };
  std::string out;
  out.reserve (description.size ());
  size_t i = 0;
  while (i < description.size ()) {
    bool replaced = false;
    if (description[i] == '{') {
      for (const Field & f : fields) {
        size_t n = strlen (f.token);
        if (description.compare (i, n, f.token) == 0) {
          out += f.value;
          i += n;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced)
      out += description[i++];
  }
  return out;
}

GstElement *
parse_handler (const std::string & description, GstSessionContext * context,
    std::string & error)
{
  std::string filled = expand (description, context);
  GError *err = nullptr;
  GstElement *bin = gst_parse_bin_from_description_full (filled.c_str (),
      TRUE, nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (!bin)
    error = err ? err->message : "the handler does not parse";
  g_clear_error (&err);
  return bin;
}

}  // namespace sessionbin
