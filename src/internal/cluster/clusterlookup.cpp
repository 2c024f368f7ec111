/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cluster/clusterlookup.h"

#include "cluster/redisconnection.h"
#include "core/serverdebug.h"
#include "wire/logsafe.h"

#include <algorithm>

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {

ClusterLookup::ClusterLookup (const RedisAddress & redis, Answer answer)
    : redis_ (redis), answer_ (std::move (answer))
{
  server_debug_init ();
}

ClusterLookup::~ClusterLookup ()
{
  {
    std::lock_guard < std::mutex > lock (lock_);
    stopping_ = true;
  }
  wake_.notify_all ();
  if (thread_.joinable ())
    thread_.join ();
}

bool
ClusterLookup::client_built ()
{
#ifdef HAVE_HIREDIS
  return true;
#else
  return false;
#endif
}

bool
ClusterLookup::ask (const std::string & id)
{
  {
    std::lock_guard < std::mutex > lock (lock_);
    if (stopping_ || queue_.size () >= kClusterLookupQueue)
      return false;
    queue_.push_back ({id, Clock::now (), 0});
    if (!thread_.joinable ())
      thread_ = std::thread ([this] { run (); });
  }
  wake_.notify_all ();
  return true;
}

void
ClusterLookup::run ()
{
  redis_thread_ignore_sigpipe ();
  RedisConnection c;
  auto retry_at = Clock::now ();
  int backoff_ms = kRedisBackoffFirstMs;
  const std::string prefix = kClusterKeyPrefix;
  for (;;) {
    Item item;
    {
      std::unique_lock < std::mutex > lock (lock_);
      for (;;) {
        if (stopping_)
          return;
        auto first = std::min_element (queue_.begin (), queue_.end (),
            [](const Item & a, const Item & b) { return a.at < b.at; });
        if (first != queue_.end () && first->at <= Clock::now ()) {
          item = std::move (*first);
          queue_.erase (first);
          break;
        }
        if (first == queue_.end ())
          wake_.wait (lock);
        else
          wake_.wait_until (lock, first->at);
      }
    }

    bool asked = false;
    std::optional<ClusterEntry> entry;
    if (!c.ctx && Clock::now () >= retry_at) {
      if (c.open (redis_)) {
        GST_INFO ("cluster lookup: connected to Redis");
        backoff_ms = kRedisBackoffFirstMs;
      } else {
        GST_INFO ("cluster lookup: Redis unreachable (%s)", c.error ());
        retry_at = Clock::now () + std::chrono::milliseconds (backoff_ms);
        backoff_ms = std::min (backoff_ms * 2, kRedisBackoffMaxMs);
      }
    }
#ifdef HAVE_HIREDIS
    if (c.ctx) {
      const std::string key = prefix + item.id;
      lookups_++;
      RedisReply r (redisCommand (c.ctx, "GET %b", key.data (), key.size ()));
      if (!r.r) {
        GST_INFO ("cluster lookup: Redis unreachable (%s)", c.error ());
        c.reset ();
        retry_at = Clock::now () + std::chrono::milliseconds (backoff_ms);
      } else {
        asked = true;
        ClusterEntry e;
        if (r.r->type == REDIS_REPLY_STRING
            && parse_cluster_entry (item.id, r.r->str, r.r->len, &e))
          entry = std::move (e);
        else if (r.r->type == REDIS_REPLY_STRING)
          GST_INFO ("cluster lookup: the entry of session %s is refused",
              log_safe (item.id).c_str ());
      }
    }
#endif
    GST_DEBUG ("cluster lookup: session %s %s", log_safe (item.id).c_str (),
        entry ? "found" : asked ? "not in the directory" : "not asked");
    if (!entry && ++item.tries < 2) {
      item.at = Clock::now () + std::chrono::seconds (kClusterLookupRetryS);
      std::lock_guard < std::mutex > lock (lock_);
      queue_.push_back (std::move (item));
      continue;
    }
    if (entry)
      found_++;
    answer_ (item.id, entry ? &*entry : nullptr);
  }
}

}  // namespace sessionctx
