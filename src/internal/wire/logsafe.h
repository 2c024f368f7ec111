/* Client-sent strings (ids, event names, paths) made safe for a log line
 * or a human-readable message: printable ASCII kept, anything else (control
 * characters, newlines, bytes of other encodings) written as \xNN, and the
 * result cut to a bounded length. Structured fields (a message's
 * session-id, the context) keep the raw value; only text for people is
 * passed through this.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <cstddef>
#include <cstring>
#include <string>

namespace sessionctx {

constexpr size_t kLogSafeMax = 80;

inline std::string
log_safe (const char *s, size_t len, size_t max = kLogSafeMax)
{
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve (len < max ? len : max);
  for (size_t i = 0; i < len; i++) {
    if (out.size () >= max) {
      out += "...";
      break;
    }
    unsigned char c = (unsigned char) s[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += (char) c;
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/* A C string from an application or client; NULL reads "(null)". */
inline std::string
log_safe (const char *s)
{
  return s ? log_safe (s, strlen (s)) : std::string ("(null)");
}

inline std::string
log_safe (const std::string & s, size_t max = kLogSafeMax)
{
  return log_safe (s.data (), s.size (), max);
}

}  // namespace sessionctx
