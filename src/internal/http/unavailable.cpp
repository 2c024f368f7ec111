/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http/unavailable.h"

namespace sessionctx {

void
respond_unavailable (SoupServerMessage * msg, const std::string & body,
    const char *content_type)
{
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (out, "Retry-After",
      std::to_string (kRetryAfterSeconds).c_str ());
  /* Each refused request stands alone (see signalling's respond ()). */
  soup_message_headers_replace (out, "Connection", "close");
  soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
      nullptr);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY,
      body.data (), body.size ());
}

}  // namespace sessionctx
