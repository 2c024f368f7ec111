/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cluster/clusterlink.h"

#include "cluster/redisconnection.h"
#include "core/serverdebug.h"
#include "wire/logsafe.h"
#include "wire/protocol.h"

#include <algorithm>
#include <chrono>

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {
namespace {

using Clock = std::chrono::steady_clock;

/* Where the sessions are: the prefix + id (ids are binary-safe
 * arguments; only the prefix is ever a pattern). */
constexpr const char *kKeyPrefix = kClusterKeyPrefix;
constexpr const char *kKeyPattern = "sessionctx:session:*";
constexpr int kBackoffFirstMs = kRedisBackoffFirstMs;
constexpr int kBackoffMaxMs = kRedisBackoffMaxMs;
/* Commands per pipeline, and most entries read into the mirror. */
constexpr size_t kBatch = 256;
constexpr size_t kMaxMirror = 200000;
/* Removals kept while Redis is unreachable (then they only expire). */
constexpr size_t kMaxPendingRemovals = 10000;

/* Value: "<instance URL>\n<session JSON>". Written when the key is free
 * or this instance's; 1 written, 0 another instance holds it. */
constexpr const char *kWriteScript =
    "local v = redis.call('GET', KEYS[1]) "
    "if v and string.sub(v, 1, #ARGV[1]) ~= ARGV[1] then return 0 end "
    "redis.call('SET', KEYS[1], ARGV[1] .. ARGV[2], 'EX', ARGV[3]) "
    "return 1";
/* Deleted only while this instance's. */
constexpr const char *kEraseScript =
    "local v = redis.call('GET', KEYS[1]) "
    "if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then "
    "redis.call('DEL', KEYS[1]) return 1 end return 0";

}  // namespace

#ifndef HAVE_HIREDIS
bool
ClusterLink::write (Connection &,
    const std::vector<std::pair<std::string, std::string>> &)
{
  return false;
}

bool
ClusterLink::erase (Connection &, const std::vector<std::string> &)
{
  return false;
}

bool
ClusterLink::read_mirror (Connection &)
{
  return false;
}
#endif

ClusterLink::ClusterLink (const RedisAddress & redis,
    const std::string & instance_url, DirectoryCounters & counters,
    Snapshot snapshot, Lost lost)
    : redis_ (redis), instance_ (instance_url), counters_ (counters),
    snapshot_ (std::move (snapshot)), lost_ (std::move (lost))
{
  counters_.set_configured ();
}

ClusterLink::~ClusterLink ()
{
  stop ();
}

void
ClusterLink::start ()
{
  thread_ = std::thread ([this] { run (); });
}

void
ClusterLink::stop ()
{
  {
    std::lock_guard < std::mutex > lock (lock_);
    stopping_ = true;
  }
  wake_.notify_all ();
  if (thread_.joinable ())
    thread_.join ();
}

std::optional<ClusterEntry>
ClusterLink::find (const std::string & id)
{
  std::lock_guard < std::mutex > lock (lock_);
  auto it = mirror_.find (id);
  if (it == mirror_.end ())
    return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, ClusterEntry>>
ClusterLink::remote ()
{
  std::lock_guard < std::mutex > lock (lock_);
  return { mirror_.begin (), mirror_.end () };
}

bool
ClusterLink::live_elsewhere (const std::string & id)
{
  std::lock_guard < std::mutex > lock (lock_);
  bool elsewhere = mirror_.count (id) > 0;
  if (elsewhere)
    counters_.refused ();
  return elsewhere;
}

void
ClusterLink::claimed (const std::string & id)
{
  {
    std::lock_guard < std::mutex > lock (lock_);
    claims_.insert (id);
    removals_.erase (std::remove (removals_.begin (), removals_.end (), id),
        removals_.end ());
  }
  wake_.notify_all ();
}

void
ClusterLink::removed (const std::string & id)
{
  {
    std::lock_guard < std::mutex > lock (lock_);
    claims_.erase (id);
    if (removals_.size () < kMaxPendingRemovals)
      removals_.push_back (id);
  }
  wake_.notify_all ();
}

void
ClusterLink::run ()
{
  /* hiredis writes with write (): a Redis gone mid-pipeline must be
   * EPIPE on this thread, not a SIGPIPE that ends the process. */
  redis_thread_ignore_sigpipe ();

  Connection c;
  auto next_beat = Clock::now ();
  auto retry_at = Clock::now ();
  int backoff_ms = kBackoffFirstMs;
  std::unordered_set<std::string> claims;
  std::vector<std::string> removals;
  for (;;) {
    bool full;
    {
      std::unique_lock < std::mutex > lock (lock_);
      const bool connected = c.ctx != nullptr;
      wake_.wait_until (lock, connected ? next_beat : retry_at, [&] {
            return stopping_ || (connected && (!claims_.empty ()
                    || !removals_.empty ()));
          });
      if (stopping_)
        break;
      full = Clock::now () >= next_beat;
      claims.swap (claims_);
      claims_.clear ();
      removals.insert (removals.end (), removals_.begin (),
          removals_.end ());
      removals_.clear ();
    }
    if (!c.ctx) {
      if (Clock::now () < retry_at)
        continue;
      if (!c.open (redis_)) {
        counters_.error ();
        retry_at = Clock::now () + std::chrono::milliseconds (backoff_ms);
        backoff_ms = std::min (backoff_ms * 2, kBackoffMaxMs);
        claims.clear ();        /* the first heartbeat writes them */
        if (removals.size () > kMaxPendingRemovals)
          removals.resize (kMaxPendingRemovals);
        continue;
      }
      GST_INFO ("cluster directory: connected to Redis");
      backoff_ms = kBackoffFirstMs;
      full = true;
    }
    if (round (c, full, claims, removals)) {
      counters_.set_up (true);
      removals.clear ();
    } else {
      GST_WARNING ("cluster directory: Redis unreachable (%s); sessions "
          "are answered for this instance only until it is back",
          c.error ());
      c.reset ();
      counters_.error ();
      {
        /* Before the gauge says so: down means this instance only. */
        std::lock_guard < std::mutex > lock (lock_);
        mirror_.clear ();
      }
      counters_.set_up (false);
      retry_at = Clock::now () + std::chrono::milliseconds (backoff_ms);
    }
    claims.clear ();
    if (full)
      next_beat = Clock::now () + std::chrono::seconds (kDirectoryHeartbeatS);
  }

  /* Stopping: this instance's claims go (the sessions ended before). */
  if (c.ctx) {
    std::vector<std::string> ids = removals;
    for (auto &[id, json] : snapshot_ (nullptr))
      ids.push_back (id);
    erase (c, ids);
  }
  counters_.set_up (false);
}

bool
ClusterLink::round (Connection & c, bool full,
    std::unordered_set<std::string> & claims,
    std::vector<std::string> & removals)
{
  /* A session that left is counted again if its id loses again. */
  for (const std::string & id : removals)
    lost_ids_.erase (id);
  auto sessions = snapshot_ (full ? nullptr : &claims);
  /* A removal queued before a new claim of the same id (taken since)
   * must not delete the new one's entry. */
  std::unordered_set<std::string> live;
  for (auto &[id, json] : sessions)
    live.insert (id);
  removals.erase (std::remove_if (removals.begin (), removals.end (),
          [&](const std::string & id) {
            return live.count (id) > 0;
          }), removals.end ());
  if (!write (c, sessions) || !erase (c, removals))
    return false;
  return !full || read_mirror (c);
}

#ifdef HAVE_HIREDIS
bool
ClusterLink::write (Connection & c,
    const std::vector<std::pair<std::string, std::string>> & sessions)
{
  const std::string owner = instance_ + "\n";
  const std::string ttl = std::to_string (kDirectoryTtlS);
  for (size_t start = 0; start < sessions.size (); start += kBatch) {
    size_t end = std::min (sessions.size (), start + kBatch);
    for (size_t i = start; i < end; i++) {
      const std::string key = kKeyPrefix + sessions[i].first;
      const std::string &json = sessions[i].second;
      redisAppendCommand (c.ctx, "EVAL %s 1 %b %b %b %b", kWriteScript,
          key.data (), key.size (), owner.data (), owner.size (),
          json.data (), json.size (), ttl.data (), ttl.size ());
    }
    for (size_t i = start; i < end; i++) {
      RedisReply r;
      r.r = c.next ();
      if (!r.r)
        return false;
      if (r.r->type == REDIS_REPLY_INTEGER && r.r->integer == 0) {
        if (!lost_ids_.insert (sessions[i].first).second)
          continue;             /* counted and ended already */
        GST_INFO ("cluster directory: session %s is held by another "
            "instance: ended as a duplicate",
            log_safe (sessions[i].first).c_str ());
        counters_.claim_lost ();
        lost_ (sessions[i].first);
      } else if (r.r->type == REDIS_REPLY_INTEGER) {
        lost_ids_.erase (sessions[i].first);
      } else if (r.r->type == REDIS_REPLY_ERROR) {
        counters_.error ();
      }
    }
  }
  return true;
}

bool
ClusterLink::erase (Connection & c, const std::vector<std::string> & ids)
{
  const std::string owner = instance_ + "\n";
  for (size_t start = 0; start < ids.size (); start += kBatch) {
    size_t end = std::min (ids.size (), start + kBatch);
    for (size_t i = start; i < end; i++) {
      const std::string key = kKeyPrefix + ids[i];
      redisAppendCommand (c.ctx, "EVAL %s 1 %b %b", kEraseScript,
          key.data (), key.size (), owner.data (), owner.size ());
    }
    for (size_t i = start; i < end; i++) {
      RedisReply r;
      r.r = c.next ();
      if (!r.r)
        return false;
    }
  }
  return true;
}

bool
ClusterLink::read_mirror (Connection & c)
{
  const size_t prefix = strlen (kKeyPrefix);
  std::unordered_map<std::string, ClusterEntry> mirror;
  std::string cursor = "0";
  do {
    RedisReply scan;
    scan.r = static_cast<redisReply *> (redisCommand (c.ctx,
            "SCAN %s MATCH %s COUNT %u", cursor.c_str (), kKeyPattern,
            (unsigned) kBatch));
    if (!scan.r)
      return false;
    if (scan.r->type != REDIS_REPLY_ARRAY || scan.r->elements != 2
        || scan.r->element[0]->type != REDIS_REPLY_STRING
        || scan.r->element[1]->type != REDIS_REPLY_ARRAY) {
      counters_.error ();
      return true;              /* keep the mirror as it was */
    }
    cursor.assign (scan.r->element[0]->str, scan.r->element[0]->len);
    redisReply *keys = scan.r->element[1];
    std::vector<std::string> ids;
    std::vector<const char *> argv { "MGET" };
    std::vector<size_t> argl { 4 };
    for (size_t i = 0; i < keys->elements; i++) {
      redisReply *k = keys->element[i];
      if (k->type != REDIS_REPLY_STRING || k->len <= prefix)
        continue;
      std::string id (k->str + prefix, k->len - prefix);
      if (check_session_id (id))
        continue;               /* no session can have it */
      ids.push_back (std::move (id));
      argv.push_back (k->str);
      argl.push_back (k->len);
    }
    if (ids.empty ())
      continue;
    RedisReply values;
    values.r = static_cast<redisReply *> (redisCommandArgv (c.ctx,
            (int) argv.size (), argv.data (), argl.data ()));
    if (!values.r)
      return false;
    if (values.r->type != REDIS_REPLY_ARRAY
        || values.r->elements != ids.size ())
      continue;
    for (size_t i = 0; i < ids.size () && mirror.size () < kMaxMirror; i++) {
      redisReply *v = values.r->element[i];
      ClusterEntry entry;
      if (v->type != REDIS_REPLY_STRING
          || !parse_cluster_entry (ids[i], v->str, v->len, &entry)
          || entry.instance == instance_)
        continue;
      mirror.emplace (ids[i], std::move (entry));
    }
  } while (cursor != "0");
  std::lock_guard < std::mutex > lock (lock_);
  mirror_.swap (mirror);
  return true;
}
#endif

}  // namespace sessionctx
