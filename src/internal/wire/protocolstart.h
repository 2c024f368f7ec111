/* A session's `start` read from the simdjson pass that validated it, for
 * the I/O thread at each session's start (the json-glib parse and its
 * structures cost ~10 µs more). Only plain, accepted starts: anything
 * else (a repeated key, an unexpected type, a value refused) is left to
 * the json-glib path, which has the same answer and its error.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "wire/protocol.h"

#include <simdjson.h>

namespace sessionctx {

/* True when @root (the whole message, "event" being "start") was read into
 * @out as parse_client_message_json_glib () would read it. */
bool parse_plain_start (GstSessionDialect dialect,
    simdjson::dom::object root, ClientMessage & out);

}  // namespace sessionctx
