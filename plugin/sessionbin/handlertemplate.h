/* A sessionbin handler description, filled in for one session.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.h>

#include <string>

namespace sessionbin {

/* @value with every character outside [A-Za-z0-9_-] replaced by one '_'
 * (a multi-byte UTF-8 character, or an invalid byte, becomes one '_'). What
 * comes out can neither end a token of a launch description (no space, '!',
 * '=', quote, '.', ',', '/', '{') nor name a parent directory. */
std::string sanitize (const char *value);

/* @description with `{session_id}`, `{transport}` and `{dialect}` replaced
 * by @context's values, sanitized. Other braces (caps lists such as
 * `rate={8000,16000}`) are left alone. */
std::string expand (const std::string & description,
    GstSessionContext * context);

/* @description expanded for @context and parsed into a bin with ghost
 * pads for its unlinked pads (floating); NULL with @error set when it does
 * not parse or names a missing element. */
GstElement *parse_handler (const std::string & description,
    GstSessionContext * context, std::string & error);

}  // namespace sessionbin
