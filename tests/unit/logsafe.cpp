/* Unit tests: client-sent text made safe for a log line.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "wire/logsafe.h"

#include <gst/gst.h>

#include <string>

using namespace sessionctx;

/* Client-sent text in a log line: printable ASCII kept, newlines, escapes
 * and other encodings' bytes written as \xNN, the length bounded. */
static void
test_log_safe (void)
{
  using sessionctx::log_safe;
  /* Kept in variables: g_assert_cmpstr keeps the pointers it is given
   * past the end of the statement that made a temporary. */
  std::string plain = log_safe (std::string ("caller-42_A"));
  g_assert_cmpstr (plain.c_str (), ==, "caller-42_A");
  std::string lines = log_safe (std::string ("a\nFAKE line\r\x1b[31m"));
  g_assert_cmpstr (lines.c_str (), ==, "a\\x0aFAKE line\\x0d\\x1b[31m");
  std::string other = log_safe (std::string ("\xc3\xa9\\"));
  g_assert_cmpstr (other.c_str (), ==, "\\xc3\\xa9\\x5c");
  const char nul[] = { 'a', '\0', 'b' };
  std::string with_nul = log_safe (nul, 3);
  g_assert_cmpstr (with_nul.c_str (), ==, "a\\x00b");
  std::string null_text = log_safe ((const char *) nullptr);
  g_assert_cmpstr (null_text.c_str (), ==, "(null)");
  std::string huge (100000, 'x');
  std::string out = log_safe (huge);
  g_assert_cmpuint (out.size (), ==, sessionctx::kLogSafeMax + 3);
  g_assert_true (g_str_has_suffix (out.c_str (), "..."));
  std::string ctl (100000, '\n');
  g_assert_cmpuint (log_safe (ctl).size (), <=, sessionctx::kLogSafeMax + 6);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/log-safe/escapes-and-bounds", test_log_safe);
  return g_test_run ();
}
