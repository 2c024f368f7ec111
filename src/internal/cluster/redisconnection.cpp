/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cluster/redisconnection.h"

#include <pthread.h>
#include <signal.h>

namespace sessionctx {

void
redis_thread_ignore_sigpipe ()
{
  sigset_t pipe;
  sigemptyset (&pipe);
  sigaddset (&pipe, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &pipe, nullptr);
}

#ifdef HAVE_HIREDIS
void
RedisConnection::reset ()
{
  if (ctx)
    redisFree (ctx);
  ctx = nullptr;
}

bool
RedisConnection::open (const RedisAddress & a)
{
  reset ();
  struct timeval tv = { 0, kRedisTimeoutMs * 1000 };
  ctx = redisConnectWithTimeout (a.host.c_str (), (int) a.port, tv);
  if (!ctx || ctx->err || redisSetTimeout (ctx, tv) != REDIS_OK) {
    reset ();
    return false;
  }
  if (a.db) {
    RedisReply r (redisCommand (ctx, "SELECT %u", a.db));
    if (!r.r || r.r->type == REDIS_REPLY_ERROR) {
      reset ();
      return false;
    }
  }
  return true;
}

redisReply *
RedisConnection::next ()
{
  void *reply = nullptr;
  if (redisGetReply (ctx, &reply) != REDIS_OK)
    return nullptr;
  return static_cast<redisReply *> (reply);
}

const char *
RedisConnection::error () const
{
  return ctx && ctx->errstr[0] ? ctx->errstr : "no connection";
}
#endif

}  // namespace sessionctx
