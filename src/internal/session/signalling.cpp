/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session/signalling.h"
#include "io/threadpolicy.h"

#include "http/access.h"
#include "io/iothread.h"
#include "http/request.h"
#include "http/unavailable.h"
#include "core/serverdebug.h"
#include "wire/logsafe.h"

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {
namespace {

/* Candidates held for an offer that has not come (yet): how long, how
 * many per id, how many ids. */
constexpr gint64 kHoldCandidatesUs = 5 * G_USEC_PER_SEC;
constexpr size_t kMaxHeldPerId = 64;
constexpr size_t kMaxHeldIds = 1024;
/* How long an ended WebRTC id answers connection_closed. */
constexpr gint64 kRememberClosedUs = 60 * G_USEC_PER_SEC;

void
respond (SoupServerMessage * msg, guint status, const std::string & body)
{
  soup_server_message_set_status (msg, status, nullptr);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  /* Access-Control-Allow-Origin: set by refuse_request () (access.h). */
  /* libsoup 3.2 never closes an idle keep-alive connection that the client
   * closed (CLOSE-WAIT, one fd per signalling client; fixed in 3.3). Each
   * signalling POST stands alone, so close after answering. */
  soup_message_headers_replace (headers, "Connection", "close");
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_COPY, body.data (), body.size ());
}

}  // namespace

void
Signalling::handle_request (IoThread & io, IoThread & http,
    SoupServerMessage * msg, std::weak_ptr<void> server)
{
  if (refuse_request (host_.access (), msg, host_.metrics ()))
    return;
  const char *method = soup_server_message_get_method (msg);
  if (g_strcmp0 (method, "OPTIONS") == 0) {
    /* CORS preflight for browser clients on another origin. */
    SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
    soup_message_headers_replace (h, "Access-Control-Allow-Methods",
        "POST, OPTIONS");
    soup_message_headers_replace (h, "Access-Control-Allow-Headers",
        "Content-Type, Authorization");
    soup_server_message_set_status (msg, 204, nullptr);
    return;
  }
  if (g_strcmp0 (method, "POST") != 0) {
    respond (msg, 405, "{\"detail\":\"Method Not Allowed\"}");
    return;
  }
  GBytes *bytes = soup_message_body_flatten
      (soup_server_message_get_request_body (msg));
  gsize len = 0;
  const char *data = static_cast<const char *> (g_bytes_get_data (bytes,
          &len));
  SignalRequest req = parse_signal_request (data ? data : "", len);
  g_bytes_unref (bytes);

  if (req.kind == SignalKind::invalid) {
    if (req.http_status == 422)
      respond (msg, 422, "{\"detail\":" + json_quote (req.detail) + "}");
    else
      respond (msg, req.http_status, failed_reply (req.error));
    if (ServerListener * listener = host_.listener ())
      listener->on_protocol_warning (req.id.empty ()?
          "(webrtc offer from " + remote_of (msg) + ")" : req.id,
          req.error ? req.error : "invalid_request", req.detail);
    return;
  }
  if (req.kind == SignalKind::offer)
    handle_offer (io, http, msg, req, std::move (server));
  else
    handle_candidate (msg, req);
}

void
Signalling::handle_offer (IoThread & io, IoThread & http,
    SoupServerMessage * msg, SignalRequest & req, std::weak_ptr<void> server)
{
  const ServerConfig & config = host_.config ();
  ServerListener *listener = host_.listener ();
  /* Draining: no new session (candidates of live ones still pass). */
  auto refuse_draining =[&] {
    host_.metrics ().protocol_error (error::draining);
    respond_unavailable (msg, failed_reply (error::draining),
        "application/json");
  };
  if (host_.sessions ().closed_to_new ()) {
    refuse_draining ();
    return;
  }
  ClientAddress client = client_address_of (host_.access (), msg);
  auto s = std::make_shared<Session> (host_, io, GST_SESSION_TRANSPORT_WEBRTC,
      GST_SESSION_DIALECT_FASTRTC, client.remote,
      request_metadata (msg, "/webrtc/offer", !config.auth_token.empty ()));
  s->set_address (client.ip);
  s->reserve (req.id);
  if (listener && !listener->authorize (*s, req.id)) {
    respond (msg, SOUP_STATUS_FORBIDDEN, failed_reply (error::unauthorized));
    listener->on_protocol_warning (req.id, error::unauthorized,
        "offer refused by the authorize signal");
    return;
  }
  if (!s->count_address ()) {
    respond (msg, 200, failed_reply (error::address_limit_reached,
            config.max_sessions_per_address));
    if (listener)
      listener->on_protocol_warning (req.id, error::address_limit_reached,
          "max-sessions-per-address (" +
          std::to_string (config.max_sessions_per_address) + ") reached");
    return;
  }
  const char *refusal = nullptr;
  switch (host_.sessions ().claim (req.id, s, config.max_sessions)) {
    case SessionTable::Claim::closed:     /* the drain began meanwhile */
      s->release_address ();
      refuse_draining ();
      return;
    case SessionTable::Claim::exists:
      refusal = error::connection_already_exists;
      break;
    case SessionTable::Claim::full:
      refusal = error::concurrency_limit_reached;
      break;
    case SessionTable::Claim::claimed:
      break;
  }
  if (refusal) {
    s->release_address ();
    bool limit = g_str_equal (refusal, error::concurrency_limit_reached);
    respond (msg, 200, failed_reply (refusal, limit ?
            (long) config.max_sessions : -1));
    if (listener)
      listener->on_protocol_warning (req.id, refusal, limit ?
          "max-sessions (" + std::to_string (config.max_sessions) +
          ") reached" : "session id is already live");
    return;
  }
  /* Its I/O thread serves it (ticks, closes) from now on: anything asked
   * of it there (abandon, end) is queued after this. */
  IoThread *served_by = &io;
  io.invoke ([served_by, s] {
        served_by->connections.emplace (s.get (), s);
      });
  std::vector<HeldCandidate> held;
  {
    std::lock_guard < std::mutex > lock (lock_);
    recently_closed_.erase (req.id);
    auto it = held_.find (req.id);
    if (it != held_.end ()) {
      held.swap (it->second);
      held_.erase (it);
    }
  }

  /* Answer once the peer has gathered its candidates (no server → client
   * trickle in FastRTC): hold the HTTP response until then. */
  g_object_ref (msg);
  soup_server_message_pause (msg);
  IoThread *owner = &http;
  auto reply =[server, owner, msg](guint status, std::string body) {
    auto alive = server.lock ();
    if (!alive) {
      g_object_unref (msg);
      return;
    }
    owner->invoke ([msg, status, body] {
          respond (msg, status, body);
          soup_server_message_unpause (msg);
          g_object_unref (msg);
        });
  };
  if (!listener) {
    reply (200, failed_reply ("server_error"));
    s->abandon ();
    return;
  }
  /* The peer is built on the session's I/O thread, as its candidates are
   * added there after it: the threads its bin starts inherit that
   * thread's priority, not the handshake thread's nice 10. */
  io.invoke ([listener, s, sdp = req.sdp, reply, held] {
        /* Nor the I/O thread's SCHED_BATCH (threadpolicy.h). */
        NormalPolicy normal;
        listener->on_webrtc_offer (s, sdp, reply);
        /* Candidates that raced ahead of the offer. */
        for (auto & c : held)
          listener->on_webrtc_candidate (*s, c.mline_index, c.candidate);
      });
}

void
Signalling::handle_candidate (SoupServerMessage * msg, SignalRequest & req)
{
  ServerListener *listener = host_.listener ();
  auto s = host_.sessions ().find (req.id);
  if (s && s->transport () == GST_SESSION_TRANSPORT_WEBRTC) {
    /* Behind its offer, on the session's I/O thread. */
    if (listener)
      s->io ().invoke ([listener, s, mline = req.sdp_mline_index,
              candidate = req.candidate] {
            listener->on_webrtc_candidate (*s, mline, candidate);
          });
    respond (msg, 200, success_reply ());
    return;
  }
  const char *refusal = nullptr;
  std::unique_lock < std::mutex > lock (lock_);
  if (s) {
    refusal = error::unknown_connection;        /* a WebSocket session */
  } else if (recently_closed_.count (req.id)) {
    refusal = error::connection_closed;
  } else {
    /* FastRTC's browser client sends candidates before (or with) its
     * offer: hold them a few seconds. */
    auto it = held_.find (req.id);
    if ((it == held_.end () && held_.size () >= kMaxHeldIds) ||
        (it != held_.end () && it->second.size () >= kMaxHeldPerId)) {
      refusal = error::unknown_connection;
    } else {
      held_[req.id].push_back ({req.sdp_mline_index, req.candidate,
              g_get_monotonic_time ()});
      lock.unlock ();
      respond (msg, 200, success_reply ());
      return;
    }
  }
  lock.unlock ();
  respond (msg, 200, failed_reply (refusal));
  if (listener)
    listener->on_protocol_warning (req.id, refusal, "ICE candidate refused");
}

void
Signalling::remember_closed (const std::string & id)
{
  std::lock_guard < std::mutex > lock (lock_);
  recently_closed_[id] = g_get_monotonic_time ();
}

void
Signalling::expire (gint64 now)
{
  std::lock_guard < std::mutex > lock (lock_);
  for (auto it = held_.begin (); it != held_.end ();) {
    auto & v = it->second;
    while (!v.empty () && now - v.front ().received_us >= kHoldCandidatesUs)
      v.erase (v.begin ());
    if (v.empty ()) {
      GST_DEBUG ("dropped held candidates of %s: no offer came",
          log_safe (it->first).c_str ());
      it = held_.erase (it);
    } else {
      ++it;
    }
  }
  for (auto it = recently_closed_.begin (); it != recently_closed_.end ();) {
    if (now - it->second >= kRememberClosedUs)
      it = recently_closed_.erase (it);
    else
      ++it;
  }
}

}  // namespace sessionctx
