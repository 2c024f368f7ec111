/* Pages the server hands to browsers (the demo page at `/`), read from a
 * GResource that whoever starts the server has registered.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "http/access.h"
#include "core/metrics.h"

#include <libsoup/soup.h>

#include <string>

namespace sessionctx {

/* Serves `GET /` from @resource_prefix + "/index.html" and `GET /demo/NAME`
 * from @resource_prefix + "/NAME" on @soup; every other path under `/`
 * that no other handler takes is 404, once @access admits the request
 * (refusals counted in @metrics). @resource_prefix, @access and @metrics
 * must outlive the server (they are the Server's). */
void static_pages_mount (SoupServer * soup, const std::string & resource_prefix,
    const Access & access, Metrics & metrics);

}  // namespace sessionctx
