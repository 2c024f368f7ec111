/* What the cluster directory holds for one session, as text: the value
 * `<instance URL>\n<session JSON object>` written under
 * `sessionctx:session:<id>`, and its parser for values read back (which
 * another instance, or anyone who can write to Redis, wrote: checked
 * here, pure, what fuzz_signalling calls).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/sessionctx/sessionctx.h>

#include <cstddef>
#include <string>

namespace sessionctx {

/* The key of a session is this prefix and its id. */
constexpr const char *kClusterKeyPrefix = "sessionctx:session:";

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
 * takes as it is (not empty), '\n', a JSON object nested at most
 * kMaxClusterEntryDepth deep that json-glib writes back as UTF-8 without
 * a control byte. Fills @out, else false. */
bool parse_cluster_entry (const std::string & id, const char *data,
    size_t len, ClusterEntry * out);

/* What a context is made of, from an entry's session JSON: its
 * "transport" and "dialect" (their short names, required) and its
 * "remote-address" (when started: a string of at most
 * kMaxClusterRemote bytes of UTF-8 without control characters, else
 * left empty). */
constexpr size_t kMaxClusterRemote = 256;
struct ClusterEntryContext
{
  GstSessionTransport transport = GST_SESSION_TRANSPORT_WEBSOCKET;
  GstSessionDialect dialect = GST_SESSION_DIALECT_FASTRTC;
  std::string remote;
};

/* Fills @out from @entry (parsed by parse_cluster_entry ()), else false
 * (no known transport or dialect). */
bool cluster_entry_context (const ClusterEntry & entry,
    ClusterEntryContext * out);

}  // namespace sessionctx
