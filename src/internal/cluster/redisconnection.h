/* One blocking connection to the cluster directory's Redis, for a thread
 * of its own (never an I/O or a streaming thread): connect and command
 * timeouts of kRedisTimeoutMs, so a hung Redis stalls that thread only,
 * this long per try. What ClusterLink (the heartbeat) and ClusterLookup
 * (one session's entry by id) talk through. Without hiredis in the build
 * it never connects.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cluster/clusterurls.h"

#ifdef HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif

namespace sessionctx {

constexpr int kRedisTimeoutMs = 500;
/* Reconnect backoff: 0.5 s doubling up to 5 s. */
constexpr int kRedisBackoffFirstMs = 500;
constexpr int kRedisBackoffMaxMs = 5000;

/* Blocks SIGPIPE on the calling thread: hiredis writes with write (), and
 * a Redis gone mid-command must be EPIPE there, not a signal that ends
 * the process. Called first on each thread that owns a connection. */
void redis_thread_ignore_sigpipe ();

#ifdef HAVE_HIREDIS
struct RedisReply
{
  redisReply *r = nullptr;
  RedisReply () = default;
  explicit RedisReply (void *reply) : r (static_cast<redisReply *> (reply)) {}
  RedisReply (const RedisReply &) = delete;
  RedisReply & operator= (const RedisReply &) = delete;
  ~RedisReply () { if (r) freeReplyObject (r); }
};

struct RedisConnection
{
  redisContext *ctx = nullptr;

  RedisConnection () = default;
  RedisConnection (const RedisConnection &) = delete;
  RedisConnection & operator= (const RedisConnection &) = delete;
  ~RedisConnection () { reset (); }
  void reset ();
  /* Connects (and SELECTs @a's db): false, and no connection, else. */
  bool open (const RedisAddress & a);
  /* The next reply of a pipeline (NULL: the connection failed). */
  redisReply *next ();
  const char *error () const;
};
#else
struct RedisConnection
{
  void *ctx = nullptr;
  void reset () {}
  bool open (const RedisAddress &) { return false; }
  const char *error () const { return "no Redis client in this build"; }
};
#endif

}  // namespace sessionctx
