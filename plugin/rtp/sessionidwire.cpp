/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "rtp/sessionidwire.h"

#include <glib.h>

#include <cstring>

namespace sessionctx::rtp {

bool
is_wire_session_id (const uint8_t * data, size_t size)
{
  if (!data || size == 0 || size > kTwoByteMax)
    return false;
  for (size_t i = 0; i < size; i++)
    if (data[i] < 0x20 || data[i] == 0x7F)
      return false;
  return g_utf8_validate_len (reinterpret_cast < const gchar * >(data), size,
      nullptr);
}

bool
is_wire_session_id (const char *id, size_t *len)
{
  /* No id is longer than kTwoByteMax + 1 bytes here: longer ones are not
   * measured to their end. */
  size_t n = id ? strnlen (id, kTwoByteMax + 1) : 0;
  if (len)
    *len = n;
  return is_wire_session_id (reinterpret_cast < const uint8_t * >(id), n);
}

size_t
packet_overhead (size_t len)
{
  size_t bytes = 4 + (len <= kOneByteMax ? 1 : 2) + len;
  return (bytes + 3) / 4 * 4;
}

}  // namespace sessionctx::rtp
