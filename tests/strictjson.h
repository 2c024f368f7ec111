/* A strict RFC 8259 validator for the tests (unit and fuzz): independent
 * of both JSON parsers of protocol.cpp.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <cstring>
#include <string>

/* A strict RFC 8259 validator (UTF-8 checked, escaped surrogates only in
 * pairs), independent of both parsers: what it accepts is valid JSON, on
 * which the two must agree. */
class StrictJson
{
public:
  static bool valid (const std::string & text)
  {
    StrictJson j (text);
    j.ws ();
    if (!j.value ())
      return false;
    j.ws ();
    return j.pos_ == j.text_.size () && utf8 (text);
  }
private:
  explicit StrictJson (const std::string & text):text_ (text) {}
  static bool utf8 (const std::string & s)
  {
    return g_utf8_validate (s.data (), (gssize) s.size (), nullptr);
  }
  int peek () const
  {
    return pos_ < text_.size ()? (unsigned char) text_[pos_] : -1;
  }
  bool eat (char c)
  {
    if (peek () != (unsigned char) c)
      return false;
    pos_++;
    return true;
  }
  bool literal (const char *word)
  {
    size_t n = strlen (word);
    if (text_.compare (pos_, n, word) != 0)
      return false;
    pos_ += n;
    return true;
  }
  void ws ()
  {
    while (peek () == ' ' || peek () == '\t' || peek () == '\n' ||
        peek () == '\r')
      pos_++;
  }
  bool digits ()
  {
    size_t from = pos_;
    while (peek () >= '0' && peek () <= '9')
      pos_++;
    return pos_ > from;
  }
  bool number ()
  {
    eat ('-');
    if (eat ('0')) {
      if (peek () >= '0' && peek () <= '9')
        return false;
    } else if (!digits ()) {
      return false;
    }
    if (eat ('.') && !digits ())
      return false;
    if (peek () == 'e' || peek () == 'E') {
      pos_++;
      if (!eat ('+'))
        eat ('-');
      if (!digits ())
        return false;
    }
    return true;
  }
  bool string ()
  {
    if (!eat ('"'))
      return false;
    while (true) {
      int c = peek ();
      if (c < 0 || c < 0x20)
        return false;
      pos_++;
      if (c == '"')
        return true;
      if (c != '\\')
        continue;
      c = peek ();
      pos_++;
      if (c == 'u') {
        /* UTF-16 surrogates only in pairs (RFC 8259 §7, §8.2). */
        int unit = hex4 ();
        if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF))
          return false;
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          if (!eat ('\\') || !eat ('u'))
            return false;
          unit = hex4 ();
          if (unit < 0xDC00 || unit > 0xDFFF)
            return false;
        }
      } else if (!strchr ("\"\\/bfnrt", c) || c <= 0) {
        return false;
      }
    }
  }
  /* Four hex digits as a number, or -1. */
  int hex4 ()
  {
    int v = 0;
    for (int i = 0; i < 4; i++, pos_++) {
      if (!g_ascii_isxdigit (peek ()))
        return -1;
      v = v * 16 + g_ascii_xdigit_value (peek ());
    }
    return v;
  }
  bool value ()
  {
    if (++depth_ > 64)
      return false;
    bool ok;
    switch (peek ()) {
      case '{':
        ok = members ('}', true);
        break;
      case '[':
        ok = members (']', false);
        break;
      case '"':
        ok = string ();
        break;
      case 't':
        ok = literal ("true");
        break;
      case 'f':
        ok = literal ("false");
        break;
      case 'n':
        ok = literal ("null");
        break;
      default:
        ok = number ();
    }
    depth_--;
    return ok;
  }
  /* An object (@keyed) or an array, from its opening bracket. */
  bool members (char close, bool keyed)
  {
    pos_++;
    ws ();
    if (eat (close))
      return true;
    while (true) {
      if (keyed) {
        if (!string ())
          return false;
        ws ();
        if (!eat (':'))
          return false;
        ws ();
      }
      if (!value ())
        return false;
      ws ();
      if (eat (close))
        return true;
      if (!eat (','))
        return false;
      ws ();
    }
  }
  const std::string & text_;
  size_t pos_ = 0;
  int depth_ = 0;
};
