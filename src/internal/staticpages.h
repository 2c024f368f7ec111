/* Pages the server hands to browsers (the demo page at `/`), read from a
 * GResource that whoever starts the server has registered.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include <string>

namespace sessionctx {

/* Serves `GET /` from @resource_prefix + "/index.html" and `GET /demo/NAME`
 * from @resource_prefix + "/NAME" on @soup; every other path under `/`
 * that no other handler takes is 404. @resource_prefix must outlive the
 * server (it is the ServerConfig's). */
void static_pages_mount (SoupServer * soup, const std::string & resource_prefix);

}  // namespace sessionctx
