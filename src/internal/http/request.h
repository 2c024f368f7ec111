/* What an HTTP request (a WebSocket upgrade or a signalling POST) tells
 * about the client that sent it.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include <string>

namespace sessionctx {

/* "host:port" of the client, or "" when unknown. */
std::string remote_of (SoupServerMessage * msg);

/* A "metadata" structure: @path, the URL query (without its `token`
 * parameter when @strip_token: the auth-token is never kept), a few
 * headers. */
GstStructure *request_metadata (SoupServerMessage * msg, const char *path,
    bool strip_token = false);

}  // namespace sessionctx
