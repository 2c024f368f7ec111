/* What /proc says of a process: CPU seconds, RSS, threads.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
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

}  // namespace bench
