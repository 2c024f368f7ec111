/* Session API requests forwarded to the instance that holds the session:
 * one thread of its own (never an I/O or handshake thread) with its own
 * main context and SoupSession sends each request in turn, with the
 * api-token and the header that makes the owner answer for itself only
 * (no loops), and passes the owner's status and body back. Unreachable
 * owner: 502 `instance_unreachable`; no answer in time: 504
 * `instance_timeout`.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/directorymetrics.h"
#include "http/sessionapi.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace sessionctx {

/* Seconds a forwarded request waits for its owner. */
constexpr guint kForwardTimeoutS = 5;
/* Most bytes of an owner's answer passed back (502 beyond). */
constexpr size_t kMaxForwardedAnswer = 256 * 1024;

class Forwarder
{
public:
  Forwarder (const std::string & api_token, DirectoryCounters & counters)
      : token_ (api_token), counters_ (counters)
  {
  }
  /* stop () first. */
  ~Forwarder () { stop (); }
  void start ();
  /* Answers what is queued with 503, joins the thread. */
  void stop ();

  /* Any thread: @method @instance_url + @path (an escaped path), with
   * @body as application/json when not empty; @done once, from the
   * forwarder's thread. */
  void send (const char *method, const std::string & instance_url,
      const std::string & path, std::string body,
      SessionDirectory::Done done);

private:
  struct Job
  {
    const char *method;
    std::string url;
    std::string body;
    SessionDirectory::Done done;
  };
  void run ();
  SessionDirectory::Answer perform (void *session, const Job & job);

  const std::string token_;
  DirectoryCounters & counters_;
  std::mutex lock_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sessionctx
