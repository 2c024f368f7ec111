/* This process's fds and threads, from /proc.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace test {

/* Entries of a /proc directory: open fds, threads. */
inline size_t
count_entries (const char *path)
{
  size_t n = 0;
  if (GDir * dir = g_dir_open (path, 0, nullptr)) {
    while (g_dir_read_name (dir))
      n++;
    g_dir_close (dir);
  }
  return n;
}

/* The names of this process's threads (a GStreamer task's thread is
 * named after its pad, "element:pad", cut to 15 characters). */
inline std::vector<std::string>
thread_names ()
{
  std::vector<std::string> names;
  GDir *dir = g_dir_open ("/proc/self/task", 0, nullptr);
  while (const char *tid = dir ? g_dir_read_name (dir) : nullptr) {
    gchar *comm = nullptr;
    if (g_file_get_contents ((std::string ("/proc/self/task/") + tid +
                "/comm").c_str (), &comm, nullptr, nullptr))
      names.push_back (g_strstrip (comm));
    g_free (comm);
  }
  if (dir)
    g_dir_close (dir);
  return names;
}

/* Voluntary context switches of each of this process's threads named
 * @name (one per wakeup of a thread blocked in poll), by thread id. */
inline std::map<std::string, long>
thread_wakeups (const char *name)
{
  std::map<std::string, long> out;
  GDir *dir = g_dir_open ("/proc/self/task", 0, nullptr);
  while (const char *tid = dir ? g_dir_read_name (dir) : nullptr) {
    std::string base = std::string ("/proc/self/task/") + tid;
    gchar *comm = nullptr, *status = nullptr;
    if (g_file_get_contents ((base + "/comm").c_str (), &comm, nullptr,
            nullptr) && g_str_equal (g_strstrip (comm), name) &&
        g_file_get_contents ((base + "/status").c_str (), &status, nullptr,
            nullptr)) {
      const char *v = strstr (status, "voluntary_ctxt_switches:");
      out[tid] = v ? atol (v + strlen ("voluntary_ctxt_switches:")) : 0;
    }
    g_free (comm);
    g_free (status);
  }
  if (dir)
    g_dir_close (dir);
  return out;
}

/* How many threads named @name woke at least @min times between two
 * thread_wakeups () snapshots. */
inline int
threads_that_worked (const std::map<std::string, long> & before,
    const std::map<std::string, long> & after, long min)
{
  int n = 0;
  for (auto &[tid, count] : after) {
    auto it = before.find (tid);
    if (count - (it == before.end ()? 0 : it->second) >= min)
      n++;
  }
  return n;
}

}  // namespace test
