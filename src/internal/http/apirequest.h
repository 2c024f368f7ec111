/* What a request to the session API (/sessions, docs/PROTOCOL.md "Session
 * API") asks, from its method, its path as sent and its body: which
 * route, which session id (percent-decoded, checked), whether the body of
 * a message is one. Pure functions over strings (no libsoup, no server):
 * what the fuzzer calls (tests/fuzz/fuzz_signalling.cpp).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/apimetrics.h"

#include <glib.h>

#include <cstddef>
#include <string>

namespace sessionctx {

/* Most bytes of a request body the API takes (413 beyond). */
constexpr size_t kApiMaxBody = 64 * 1024;
/* Most bytes of the id as it appears in the path (percent-encoded: three
 * per byte of the longest id). */
constexpr size_t kApiMaxEncodedId = 3 * 128;

/* Error codes of the API's failed replies (beside protocol.h's
 * invalid_json, invalid_message, invalid_session_id, unauthorized,
 * forbidden_origin). */
namespace api_error {
constexpr const char *not_found = "not_found";  /* no such route */
constexpr const char *unknown_session = "unknown_session";
constexpr const char *method_not_allowed = "method_not_allowed";
constexpr const char *payload_too_large = "payload_too_large";
constexpr const char *unsupported_media_type = "unsupported_media_type";
/* message or clear for a session that does not take them now (a WebRTC
 * peer not connected yet, or one ending). */
constexpr const char *not_started = "not_started";
/* With a cluster directory: the instance holding the session cannot be
 * reached (502) or did not answer in time (504); the server stops (503). */
constexpr const char *instance_unreachable = "instance_unreachable";
constexpr const char *instance_timeout = "instance_timeout";
constexpr const char *unavailable = "unavailable";
}  // namespace api_error

struct ApiRequest
{
  ApiRoute route = ApiRoute::other;
  guint status = 200;           /* not 200: answer it with this status */
  const char *error = nullptr;  /* the failed reply's code, when refused */
  const char *allow = nullptr;  /* 405: the methods the path allows */
  std::string detail;           /* for people; never the client's bytes */
  std::string id;               /* decoded (routes on one session) */
};

/* @method and @path (as sent: percent-encoded, without the query; @len
 * bytes, any bytes). Paths: /sessions[/], /sessions/{id},
 * /sessions/{id}/message, /sessions/{id}/clear; anything else under
 * /sessions is 404 not_found, a method the path does not take 405 (with
 * allow). {id} is one path segment, percent-decoded (%2F is a '/' of the
 * id); malformed escapes, an empty id, one over 128 bytes decoded (or
 * kApiMaxEncodedId encoded), control characters (NUL included) and bytes
 * that are not UTF-8 are 400 invalid_session_id: no session can have it. */
ApiRequest parse_api_path (const char *method, const char *path, size_t len);

struct ApiBody
{
  guint status = 200;           /* 200: the body is a message to send */
  const char *error = nullptr;
  std::string detail;
};

/* POST /sessions/{id}/message: @content_type (the header, NULL when
 * absent) must be application/json (parameters allowed; a charset only
 * utf-8), else 415 unsupported_media_type; @len over kApiMaxBody is 413
 * payload_too_large; the body must be one JSON object (RFC 8259, UTF-8,
 * checked by simdjson): else 400 invalid_json (malformed, empty) or
 * invalid_message (valid JSON that is not an object). */
ApiBody check_api_message (const char *content_type, const char *data,
    size_t len);

/* {"status":"failed","meta":{"error":CODE,"detail":DETAIL}} (no detail
 * when empty). */
std::string api_failed_reply (const char *code, const std::string & detail);

}  // namespace sessionctx
