/* What the benchmark programs share: their option parsing, what /proc
 * says of a process (CPU seconds, RSS, threads) and of a core (how busy),
 * the cores a process may run on, percentiles.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace bench {

struct ProcStats
{
  double cpu_s = 0;
  long rss_kb = 0;
  int threads = 0;
};

inline ProcStats
read_proc (int pid)
{
  ProcStats st;
  if (pid <= 0)
    return st;
  std::ifstream stat ("/proc/" + std::to_string (pid) + "/stat");
  std::string line;
  std::getline (stat, line);
  size_t close = line.rfind (')');
  if (close != std::string::npos) {
    std::istringstream rest (line.substr (close + 2));
    std::vector<std::string> f;
    std::string x;
    while (rest >> x)
      f.push_back (x);
    /* fields from 3 (state): utime is 14, stime 15, threads 20 */
    if (f.size () > 18) {
      long tick = sysconf (_SC_CLK_TCK);
      st.cpu_s = (std::stod (f[11]) + std::stod (f[12])) / tick;
      st.threads = std::stoi (f[17]);
    }
  }
  std::ifstream status ("/proc/" + std::to_string (pid) + "/status");
  while (std::getline (status, line))
    if (line.rfind ("VmRSS:", 0) == 0)
      st.rss_kb = std::atol (line.c_str () + 6);
  return st;
}

/* Core @core's time from /proc/stat (USER_HZ ticks): busy (everything but
 * idle and iowait: processes, and the interrupts and softirqs that run
 * there, which no process is charged for) and in all. False when /proc/stat
 * has no such core. */
struct CoreTimes
{
  unsigned long long busy = 0, total = 0;
};

inline bool
read_core (int core, CoreTimes & t)
{
  std::ifstream stat ("/proc/stat");
  const std::string name = "cpu" + std::to_string (core);
  std::string line;
  while (std::getline (stat, line)) {
    std::istringstream f (line);
    std::string first;
    f >> first;
    if (first != name)
      continue;
    /* user nice system idle iowait irq softirq steal (guest time is in
     * user already) */
    unsigned long long v[8] = { 0 };
    for (auto & x : v)
      if (!(f >> x))
        return false;
    t.total = 0;
    for (auto x : v)
      t.total += x;
    t.busy = t.total - v[3] - v[4];
    return true;
  }
  return false;
}

/* The cores @pid may run on ("0,1"; 0 = this process), or "?". */
inline std::string
cores_of (int pid)
{
  cpu_set_t set;
  if (sched_getaffinity (pid, sizeof set, &set) != 0)
    return "?";
  std::string out;
  for (int i = 0; i < CPU_SETSIZE; i++)
    if (CPU_ISSET (i, &set))
      out += (out.empty ()? "" : ",") + std::to_string (i);
  return out;
}

/* The value at fraction @p of @v (0.5: median), 0 when empty. */
inline double
percentile (std::vector<double> v, double p)
{
  if (v.empty ())
    return 0;
  size_t k = std::min (v.size () - 1, (size_t) (p * v.size ()));
  std::nth_element (v.begin (), v.begin () + k, v.end ());
  return v[k];
}

/* "--name value" pairs into the variables named by @options; false (and
 * a message) on an option not in the list. */
using Option = std::pair<const char *, std::variant<int *, unsigned *,
    double *, std::string *>>;

inline bool
parse_options (int argc, char **argv, const std::vector<Option> & options)
{
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const char *value = argv[i + 1];
    auto it = std::find_if (options.begin (), options.end (),
        [&](const Option & o) {
          return name == o.first;
        });
    if (it == options.end ()) {
      fprintf (stderr, "unknown option %s\n", name.c_str ());
      return false;
    }
    std::visit ([value](auto *target) {
          using T = std::remove_pointer_t<decltype (target)>;
          if constexpr (std::is_same_v<T, std::string>)
            *target = value;
          else if constexpr (std::is_same_v<T, double>)
            *target = atof (value);
          else
            *target = (T) atol (value);
        }, it->second);
  }
  return true;
}

}  // namespace bench
