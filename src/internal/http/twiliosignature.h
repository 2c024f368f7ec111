/* Twilio's request signature, `X-Twilio-Signature`, as Twilio documents
 * it (Webhooks security): the full URL Twilio requested (scheme, host,
 * path, query), then for an application/x-www-form-urlencoded POST each
 * parameter's name and value, sorted by name, appended without
 * delimiters; HMAC-SHA1 of that with the account's auth token as the key;
 * base64. Pure functions over strings (unit-tested against Twilio's
 * published examples, fuzzed).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sessionctx {

using FormParams = std::vector<std::pair<std::string, std::string>>;

/* The name/value pairs of an application/x-www-form-urlencoded body, in
 * their order: pairs split at '&' (empty ones skipped), name and value at
 * the first '=' (none: an empty value), '+' a space, %XX a byte. False
 * when an escape is malformed (then @out is unspecified). */
bool parse_form (const char *data, size_t len, FormParams * out);

/* The signature Twilio sends for a request to @url with @params (empty
 * for a GET or a WebSocket upgrade): base64 (HMAC-SHA1 (@token, @url +
 * name + value of each pair, sorted by name, a repeated name's values
 * sorted too, bytewise)). */
std::string twilio_signature (const std::string & url,
    const FormParams & params, const std::string & token);

/* @url, then the forms Twilio's own validators also accept, since
 * Twilio is not consistent about the port in what it signs: without the
 * port when @url has one, with its scheme's default port (443 for https
 * and wss, 80 for http and ws) when it has none. */
std::vector<std::string> twilio_url_variants (const std::string & url);

/* Whether @given (the header's value; NULL: absent, never valid) is the
 * signature of a request to @url (or one of its variants) with @params
 * under @token (empty: nothing is valid). Each comparison takes a time
 * that depends on the signature's length only. */
bool twilio_signature_valid (const std::string & url,
    const FormParams & params, const std::string & token, const char *given);

}  // namespace sessionctx
