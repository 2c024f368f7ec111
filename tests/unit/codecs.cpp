/* Unit tests: G.711 µ-law against its reference values, strict base64.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "wire/base64.h"
#include "wire/mulaw.h"

#include <gst/gst.h>

#include <string>
#include <vector>

using namespace sessionctx;

/* ---------------- G.711 µ-law ---------------- */

static void
test_mulaw_reference ()
{
  /* ITU-T G.191 ulaw_expand / ulaw_compress values. */
  const struct
  {
    uint8_t code;
    int16_t linear;
  } decode[] = {
    {0x00, -32124}, {0x01, -31100}, {0x0F, -16764}, {0x7E, -8}, {0x7F, 0},
    {0x80, 32124}, {0xFE, 8}, {0xFF, 0},
  };
  for (auto & d : decode)
    g_assert_cmpint (mulaw_decode (d.code), ==, d.linear);

  const struct
  {
    int16_t linear;
    uint8_t code;
  } encode[] = {
    {0, 0xFF}, {1, 0xFF}, {-1, 0x7F}, {-4, 0x7F}, {-5, 0x7E}, {100, 242},
    {-100, 115}, {1000, 206}, {-1000, 78}, {8159, 159}, {-8159, 31},
    {32767, 0x80}, {-32768, 0x00}, {-31611, 0x01},
  };
  for (auto & e : encode)
    g_assert_cmpint (mulaw_encode (e.linear), ==, e.code);

  /* Every 16-bit sample encodes as ITU-T G.191's ulaw_compress does
   * (written out here as in G.191; the library uses a table). */
  for (int x = -32768; x <= 32767; x++) {
    int absno = (x < 0 ? ((~x) >> 2) : (x >> 2)) + 33;
    if (absno > 0x1FFF)
      absno = 0x1FFF;
    int segno = 1;
    for (int i = absno >> 6; i != 0; i >>= 1)
      segno++;
    int code = ((0x8 - segno) << 4) | (0xF - ((absno >> segno) & 0xF));
    if (x >= 0)
      code |= 0x80;
    if (mulaw_encode ((int16_t) x) != code)
      g_error ("mulaw_encode (%d) = 0x%02x, G.191 says 0x%02x", x,
          mulaw_encode ((int16_t) x), code);
  }

  /* Every code survives decode → encode. */
  for (int c = 0; c < 256; c++) {
    uint8_t back = mulaw_encode (mulaw_decode ((uint8_t) c));
    /* 0x7F (-0) and 0xFF (+0) both decode to 0. */
    if (c == 0x7F)
      g_assert_cmpint (back, ==, 0xFF);
    else
      g_assert_cmpint (back, ==, c);
  }

  /* Block versions agree with the scalar ones. */
  std::vector<int16_t> pcm (1000);
  for (size_t i = 0; i < pcm.size (); i++)
    pcm[i] = (int16_t) (i * 65 - 32768);
  std::vector<uint8_t> codes (pcm.size ());
  mulaw_encode_block (pcm.data (), pcm.size (), codes.data ());
  std::vector<int16_t> back (pcm.size ());
  mulaw_decode_block (codes.data (), codes.size (), back.data ());
  for (size_t i = 0; i < pcm.size (); i++) {
    g_assert_cmpint (codes[i], ==, mulaw_encode (pcm[i]));
    g_assert_cmpint (back[i], ==, mulaw_decode (codes[i]));
  }
}

/* ---------------- base64 ---------------- */

static void
test_base64 ()
{
  uint8_t out[64];
  auto dec = [&](const char *s) {
    return base64_decode (s, strlen (s), out);
  };
  g_assert_cmpint (dec ("aGVsbG8="), ==, 5);
  g_assert_cmpmem (out, 5, "hello", 5);
  g_assert_cmpint (dec ("aGVsbG8"), ==, 5);     /* unpadded */
  g_assert_cmpint (dec ("aGk="), ==, 2);
  g_assert_cmpint (dec ("aGk"), ==, 2);
  g_assert_cmpint (dec ("+/+/"), ==, 3);
  g_assert_cmpint (dec (""), ==, 0);
  /* Invalid: characters outside the alphabet, whitespace, misplaced or
   * excess padding, impossible lengths, URL-safe alphabet. */
  for (const char *bad : {"a", "aGVsbG8==", "aG=k", "aGVs bG8=", "aGVs\nbG8=",
          "!!!!", "a===", "====", "-_-_", "aGVsbG8=aGk=", "aGVsbG"}) {
    if (strcmp (bad, "aGVsbG") == 0) {
      g_assert_cmpint (dec (bad), ==, 4);       /* 6 chars: valid unpadded */
      continue;
    }
    g_assert_cmpint (dec (bad), ==, -1);
  }

  std::string enc;
  base64_encode_append ((const uint8_t *) "hello", 5, enc);
  g_assert_cmpstr (enc.c_str (), ==, "aGVsbG8=");
  /* Round trip every length and byte value. */
  std::vector<uint8_t> data (300);
  for (size_t i = 0; i < data.size (); i++)
    data[i] = (uint8_t) (i * 7);
  for (size_t len = 0; len < data.size (); len++) {
    std::string e;
    base64_encode_append (data.data (), len, e);
    gchar *glib = g_base64_encode (data.data (), len);
    g_assert_cmpstr (e.c_str (), ==, glib);
    g_free (glib);
    std::vector<uint8_t> d (base64_decoded_max (e.size ()));
    g_assert_cmpint (base64_decode (e.data (), e.size (), d.data ()), ==,
        (long) len);
    g_assert_cmpmem (d.data (), len, data.data (), len);
  }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mulaw/g711-reference", test_mulaw_reference);
  g_test_add_func ("/base64/strict", test_base64);
  return g_test_run ();
}
