/* Pieces of the Prometheus text format (0.0.4) that /metrics is written
 * with: a metric's HELP and TYPE lines, a sample with its labels, and the
 * index of an HTTP status in a fixed list of them (the `code` label of
 * the counters by status). A scrape's cost, never a frame's.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <cstddef>
#include <initializer_list>
#include <string>

namespace sessionctx::prometheus {

/* "# HELP @name @help" and "# TYPE @name @type". */
inline void
header (std::string & out, const char *name, const char *type,
    const char *help)
{
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

/* A label and its value, written as given: our own words and numbers (a
 * value from elsewhere goes through prometheus_escape_label () first). */
struct Label
{
  const char *name;
  const char *value;
};

/* "@name{label="value",...} @value" (no braces without labels). */
inline void
sample (std::string & out, const char *name,
    std::initializer_list<Label> labels, guint64 value)
{
  out += name;
  char separator = '{';
  for (const Label & label : labels) {
    out += separator;
    out += label.name;
    out += "=\"";
    out += label.value;
    out += '"';
    separator = ',';
  }
  if (labels.size () > 0)
    out += '}';
  out += ' ';
  out += std::to_string (value);
  out += '\n';
}

/* A counter without labels: its HELP, TYPE and one sample. */
inline void
counter (std::string & out, const char *name, const char *help,
    guint64 value)
{
  header (out, name, "counter", help);
  sample (out, name, {}, value);
}

/* Where @status is in @statuses; -1: not there. */
template<size_t N>
int
status_index (const guint (&statuses)[N], guint status)
{
  for (size_t i = 0; i < N; i++)
    if (statuses[i] == status)
      return (int) i;
  return -1;
}

}  // namespace sessionctx::prometheus
