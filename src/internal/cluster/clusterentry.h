/* What the cluster directory holds for one session, as text: the value
 * `<instance URL>\n<session JSON object>` written under
 * `sessionctx:session:<id>`, and its parser for values read back (which
 * another instance, or anyone who can write to Redis, wrote: checked
 * here, pure, what fuzz_signalling calls).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstddef>
#include <string>

namespace sessionctx {

/* Most bytes of one value read back (a session's JSON is about 1 KB),
 * and its deepest JSON nesting: a value past either is left out. */
constexpr size_t kMaxClusterEntry = 16 * 1024;
constexpr int kMaxClusterEntryDepth = 8;

/* A session of another instance, as that instance last wrote it. */
struct ClusterEntry
{
  std::string instance;         /* its instance URL (checked) */
  std::string session;          /* a JSON object, re-serialized, with
                                 * "id" (the key's) and "instance" */
};

/* The value of @len bytes at @data read under the key of session @id
 * (UTF-8, else refused):
 * at most kMaxClusterEntry bytes, an instance URL check_instance_url ()
 * takes as it is, '\n', a JSON object nested at most
 * kMaxClusterEntryDepth deep. Fills @out, else false. */
bool parse_cluster_entry (const std::string & id, const char *data,
    size_t len, ClusterEntry * out);

}  // namespace sessionctx
