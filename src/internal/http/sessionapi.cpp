/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http/sessionapi.h"

#include "http/apirequest.h"
#include "core/serverdebug.h"
#include "wire/logsafe.h"

#include <cstring>

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {
namespace {

/* The path as the client sent it (percent-encoded: libsoup keeps it so). */
const char *
raw_path (SoupServerMessage * msg)
{
  const char *p = g_uri_get_path (soup_server_message_get_uri (msg));
  return p ? p : "";
}

ApiRoute
route_of (SoupServerMessage * msg)
{
  const char *path = raw_path (msg);
  return parse_api_path (soup_server_message_get_method (msg), path,
      strlen (path)).route;
}

/* A chunked request body (its length unknown before it is read): the
 * first kApiMaxBody + 1 bytes, what is past them is dropped. */
struct ChunkedBody
{
  std::string data;
};

GQuark
chunked_body_quark ()
{
  static GQuark q = g_quark_from_static_string ("sessionctx-api-body");
  return q;
}

void
on_got_chunk (SoupServerMessage * msg, GBytes * chunk, gpointer)
{
  auto *b = static_cast<ChunkedBody *> (g_object_get_qdata (G_OBJECT (msg),
          chunked_body_quark ()));
  gsize len = 0;
  const char *data = static_cast<const char *> (g_bytes_get_data (chunk,
          &len));
  if (b && data && b->data.size () <= kApiMaxBody)
    b->data.append (data, MIN (len, kApiMaxBody + 1 - b->data.size ()));
}

}  // namespace

/* What a mounted handler knows: the API and its handshake thread. */
struct SessionApi::Mount
{
  SessionApi *api;
  IoThread *http;
  std::weak_ptr<void> alive;
};

/* A request waiting for its directory's answer (on the handshake thread
 * but for the reference it holds). */
struct SessionApi::Reply
{
  SessionApi *api;
  IoThread *http;
  std::weak_ptr<void> alive;
  SoupServerMessage *msg;       /* a reference */
  ApiRoute route;
  bool answered = false;        /* handshake thread */
  bool paused = false;          /* handshake thread */

  Reply (SessionApi * a, const Mount & m, SoupServerMessage * message,
      ApiRoute r)
      : api (a), http (m.http), alive (m.alive),
      msg (SOUP_SERVER_MESSAGE (g_object_ref (message))), route (r)
  {
  }
  ~Reply () { g_object_unref (msg); }
  Reply (const Reply &) = delete;
  Reply & operator= (const Reply &) = delete;
};

void
SessionApi::mount (SoupServer * soup, IoThread & http,
    std::weak_ptr<void> alive)
{
  soup_server_add_early_handler (soup, "/sessions", on_early, this, nullptr);
  soup_server_add_handler (soup, "/sessions", on_request,
      new Mount { this, &http, std::move (alive) }, [](gpointer data) {
        delete static_cast<Mount *> (data);
      });
}

void
SessionApi::on_early (SoupServer *, SoupServerMessage * msg, const char *,
    GHashTable *, gpointer user_data)
{
  static_cast<SessionApi *> (user_data)->early (msg);
}

void
SessionApi::on_request (SoupServer *, SoupServerMessage * msg, const char *,
    GHashTable *, gpointer user_data)
{
  auto *m = static_cast<Mount *> (user_data);
  m->api->handle (*m, msg);
}

void
SessionApi::respond (SoupServerMessage * msg, ApiRoute route, guint status,
    const std::string & body, const char *allow)
{
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  /* Each request stands alone (libsoup 3.2 keeps idle keep-alive
   * connections a client closed: see signalling's respond ()). */
  soup_message_headers_replace (out, "Connection", "close");
  soup_message_headers_replace (out, "Cache-Control", "no-store");
  if (allow)
    soup_message_headers_replace (out, "Allow", allow);
  soup_server_message_set_status (msg, status, nullptr);
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_COPY, body.data (), body.size ());
  metrics_.api.request (route, status);
  GST_DEBUG ("session API: %s %s: %u",
      log_safe (soup_server_message_get_method (msg)).c_str (),
      api_route_name (route), status);
}

/* After the headers, before the body: who asks, and how much it sends.
 * A status set here is the answer (the handler does not run); the body
 * of a refused request is read but not kept. A chunked body is kept up
 * to one byte past the limit (check_api_message refuses it then). */
void
SessionApi::early (SoupServerMessage * msg)
{
  Access::Verdict v = refuse_api_request (access_, msg, metrics_);
  if (v != Access::Verdict::allowed) {
    soup_message_body_set_accumulate (soup_server_message_get_request_body
        (msg), FALSE);
    metrics_.api.request (route_of (msg), soup_server_message_get_status
        (msg));
    return;
  }
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  switch (soup_message_headers_get_encoding (in)) {
    case SOUP_ENCODING_CHUNKED:
      /* No length known: the chunks are kept here, up to the limit. */
      soup_message_body_set_accumulate (body, FALSE);
      g_object_set_qdata_full (G_OBJECT (msg), chunked_body_quark (),
          new ChunkedBody (), [](gpointer data) {
            delete static_cast<ChunkedBody *> (data);
          });
      g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), nullptr);
      break;
    case SOUP_ENCODING_CONTENT_LENGTH:
      if (soup_message_headers_get_content_length (in) > (goffset) kApiMaxBody) {
        soup_message_body_set_accumulate (body, FALSE);
        respond (msg, route_of (msg), SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
            api_failed_reply (api_error::payload_too_large, "the body is "
                "over " + std::to_string (kApiMaxBody) + " bytes"));
      }
      break;
    default:
      break;
  }
}

void
SessionApi::handle (Mount & m, SoupServerMessage * msg)
{
  const char *path = raw_path (msg);
  ApiRequest req = parse_api_path (soup_server_message_get_method (msg),
      path, strlen (path));
  if (req.status != 200) {
    respond (msg, req.route, req.status, api_failed_reply (req.error,
            req.detail), req.allow);
    return;
  }

  std::string body;
  if (req.route == ApiRoute::message) {
    const char *type = soup_message_headers_get_one
        (soup_server_message_get_request_headers (msg), "Content-Type");
    ApiBody checked;
    if (auto *chunked = static_cast<ChunkedBody *> (g_object_get_qdata
            (G_OBJECT (msg), chunked_body_quark ()))) {
      checked = check_api_message (type, chunked->data.data (),
          chunked->data.size ());
      body.swap (chunked->data);
    } else {
      GBytes *bytes = soup_message_body_flatten
          (soup_server_message_get_request_body (msg));
      gsize len = 0;
      const char *data = static_cast<const char *> (g_bytes_get_data (bytes,
              &len));
      checked = check_api_message (type, data, len);
      if (checked.status == 200)
        body.assign (data, len);
      g_bytes_unref (bytes);
    }
    if (checked.status != 200) {
      respond (msg, req.route, checked.status,
          api_failed_reply (checked.error, checked.detail));
      return;
    }
  }

  /* The directory answers now or later, from any thread: the answer is
   * written on this thread; until it comes the request is paused. */
  auto reply = std::make_shared<Reply> (this, m, msg, req.route);
  SessionDirectory::Done done =[reply](SessionDirectory::Answer a) {
    if (reply->alive.expired ())
      return;
    reply->http->invoke ([reply, a = std::move (a)] {
          reply->api->answer (*reply, a);
        });
  };
  SessionDirectory & directory = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg),
      kForwardedRequestHeader) ? local_ : *directory_;
  switch (req.route) {
    case ApiRoute::list:
      directory.list (std::move (done));
      break;
    case ApiRoute::get:
      directory.describe (req.id, std::move (done));
      break;
    default:
      GST_DEBUG ("session API: %s for session %s", api_route_name (req.route),
          log_safe (req.id).c_str ());
      directory.act (req.route, req.id, std::move (body), std::move (done));
      break;
  }
  if (!reply->answered) {
    soup_server_message_pause (msg);
    reply->paused = true;
  }
}

void
SessionApi::answer (Reply & r, const SessionDirectory::Answer & a)
{
  if (r.answered)
    return;
  r.answered = true;
  respond (r.msg, r.route, a.status, a.body);
  if (r.paused)
    soup_server_message_unpause (r.msg);
}

}  // namespace sessionctx
