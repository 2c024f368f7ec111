/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cluster/forwarder.h"

#include "http/apirequest.h"
#include "core/serverdebug.h"

#include <libsoup/soup.h>

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {

void
Forwarder::start ()
{
  thread_ = std::thread ([this] { run (); });
}

void
Forwarder::stop ()
{
  {
    std::lock_guard < std::mutex > lock (lock_);
    stopping_ = true;
  }
  wake_.notify_all ();
  if (thread_.joinable ())
    thread_.join ();
}

void
Forwarder::send (const char *method, const std::string & instance_url,
    const std::string & path, std::string body, SessionDirectory::Done done)
{
  {
    std::lock_guard < std::mutex > lock (lock_);
    if (!stopping_) {
      jobs_.push_back ({method, instance_url + path, std::move (body),
              std::move (done)});
      wake_.notify_all ();
      return;
    }
  }
  done ({503, api_failed_reply (api_error::unavailable, "the server is stopping")});
}

void
Forwarder::run ()
{
  GMainContext *context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  SoupSession *session = soup_session_new_with_options ("timeout",
      kForwardTimeoutS, "idle-timeout", 30, "user-agent",
      "gst-sessionctx-forwarder", NULL);
  for (;;) {
    Job job;
    {
      std::unique_lock < std::mutex > lock (lock_);
      wake_.wait (lock, [this] {
            return stopping_ || !jobs_.empty ();
          });
      if (jobs_.empty ())
        break;
      job = std::move (jobs_.front ());
      jobs_.pop_front ();
      if (stopping_) {
        lock.unlock ();
        job.done ({503, api_failed_reply (api_error::unavailable,
                    "the server is stopping")});
        continue;
      }
    }
    job.done (perform (session, job));
  }
  g_object_unref (session);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

SessionDirectory::Answer
Forwarder::perform (void *soup_session, const Job & job)
{
  auto *session = static_cast<SoupSession *> (soup_session);
  SoupMessage *msg = soup_message_new (job.method, job.url.c_str ());
  if (!msg) {
    counters_.forwarded (false);
    return { 502, api_failed_reply (api_error::instance_unreachable,
            "the directory names an instance URL that is not one") };
  }
  SoupMessageHeaders *h = soup_message_get_request_headers (msg);
  soup_message_headers_replace (h, "Authorization",
      ("Bearer " + token_).c_str ());
  soup_message_headers_replace (h, kForwardedRequestHeader, "1");
  if (!job.body.empty ()) {
    GBytes *b = g_bytes_new (job.body.data (), job.body.size ());
    soup_message_set_request_body_from_bytes (msg, "application/json", b);
    g_bytes_unref (b);
  }
  GError *error = nullptr;
  GBytes *answer = soup_session_send_and_read (session, msg, nullptr,
      &error);
  SessionDirectory::Answer out;
  if (!answer) {
    bool timeout = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    GST_INFO ("session API: forwarding to another instance failed: %s",
        error->message);
    out = timeout ? SessionDirectory::Answer { 504,
          api_failed_reply (api_error::instance_timeout, "the instance holding the "
              "session did not answer in time") }
    : SessionDirectory::Answer { 502, api_failed_reply
          (api_error::instance_unreachable, "the instance holding the session "
              "cannot be reached") };
    g_clear_error (&error);
    counters_.forwarded (false);
  } else {
    gsize len = 0;
    const char *data = static_cast<const char *> (g_bytes_get_data (answer,
            &len));
    guint status = soup_message_get_status (msg);
    if (status < 200 || status > 599 || len > kMaxForwardedAnswer) {
      out = { 502, api_failed_reply (api_error::instance_unreachable,
              "the instance holding the session answered out of protocol") };
      counters_.forwarded (false);
    } else {
      out = { status, std::string (data ? data : "", len) };
      counters_.forwarded (true);
    }
    g_bytes_unref (answer);
  }
  g_object_unref (msg);
  return out;
}

}  // namespace sessionctx
