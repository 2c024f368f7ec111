/* libFuzzer target: strict base64 (src/internal/base64.h).
 *
 * Input: any bytes, read both as base64 text and as data. Oracles:
 * - base64_decode accepts exactly RFC 4648 text (alphabet, at most the
 *   padding the length needs, no length of 4n+1), by a rule written here;
 * - what it accepts decodes as GLib's g_base64_decode does (padded);
 * - it writes no more than base64_decoded_max () (ASan, exact buffer);
 * - encoding matches g_base64_encode and decodes back to the data.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzzcheck.h"
#include "wire/base64.h"

#include <glib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

using namespace sessionctx;

namespace {

bool
in_alphabet (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

/* RFC 4648 §4, padding optional: the reference for what is valid. */
bool
is_base64 (const char *s, size_t len)
{
  size_t data = len;
  if (len % 4 == 0) {
    size_t pad = 0;
    while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
      pad++;
    data -= pad;
  }
  for (size_t i = 0; i < data; i++)
    if (!in_alphabet (s[i]))
      return false;
  return data % 4 != 1;
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  const char *text = reinterpret_cast<const char *> (data);

  /* As text. */
  const size_t room = base64_decoded_max (size);
  std::unique_ptr<uint8_t[]> out (new uint8_t[room]);
  long n = base64_decode (text, size, out.get ());
  CHECK (n >= -1 && (n < 0 || (size_t) n <= room));
  CHECK ((n >= 0) == is_base64 (text, size));
  if (n >= 0) {
    CHECK ((size_t) n == size / 4 * 3 + (size % 4 ? size % 4 - 1 : 0) -
        (size % 4 == 0 && size && text[size - 1] == '=') -
        (size % 4 == 0 && size > 1 && text[size - 1] == '=' &&
            text[size - 2] == '='));
    std::string padded (text, size);
    while (padded.size () % 4)
      padded += '=';
    gsize glen = 0;
    guchar *glib = g_base64_decode (padded.c_str (), &glen);
    CHECK (glen == (gsize) n && memcmp (glib, out.get (), glen) == 0);
    g_free (glib);
  }

  /* As data. */
  std::string enc = "prefix";
  base64_encode_append (data, size, enc);
  gchar *glib = g_base64_encode (data, size);
  CHECK (enc.compare (6, std::string::npos, glib) == 0);
  g_free (glib);
  std::unique_ptr<uint8_t[]> back (new uint8_t[base64_decoded_max
          (enc.size () - 6)]);
  CHECK (base64_decode (enc.data () + 6, enc.size () - 6, back.get ()) ==
      (long) size);
  CHECK (memcmp (back.get (), data, size) == 0);
  return 0;
}
