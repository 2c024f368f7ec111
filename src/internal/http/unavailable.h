/* HTTP 503: the server takes no new session now (it drains, or /readyz
 * finds it full). Every such answer tells a client or a balancer when to
 * try again (Retry-After) and stands alone (Connection: close).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include <string>

namespace sessionctx {

/* Seconds a refused client is told to wait: about what a balancer takes
 * to see /readyz fail and send new sessions elsewhere. */
constexpr guint kRetryAfterSeconds = 5;

/* Answers @msg 503 with @body (@content_type) and Retry-After. */
void respond_unavailable (SoupServerMessage * msg, const std::string & body,
    const char *content_type = "text/plain; charset=utf-8");

}  // namespace sessionctx
