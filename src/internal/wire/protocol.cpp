/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "wire/protocol.h"

#include "wire/base64.h"
#include "wire/protocolstart.h"

#include <json-glib/json-glib.h>
#include <simdjson.h>

#include <atomic>
#include <cstring>

namespace sessionctx {
namespace {

struct ParserDeleter
{
  void operator() (JsonParser * p) const { g_object_unref (p); }
};

ClientMessage
invalid (const char *code, std::string detail)
{
  ClientMessage m;
  m.error = code;
  m.detail = std::move (detail);
  return m;
}

const char *
member_string (JsonObject * obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);
  if (!node || JSON_NODE_TYPE (node) != JSON_NODE_VALUE
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return nullptr;
  return json_node_get_string (node);
}

JsonObject *
member_object (JsonObject * obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);
  if (!node || JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    return nullptr;
  return json_node_get_object (node);
}

/* Twilio sends numbers as strings; accept both. */
bool
member_int (JsonObject * obj, const char *name, gint64 * out)
{
  JsonNode *node = json_object_get_member (obj, name);
  if (!node || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return false;
  GType t = json_node_get_value_type (node);
  if (t == G_TYPE_INT64) {
    *out = json_node_get_int (node);
    return true;
  }
  if (t == G_TYPE_STRING) {
    const char *s = json_node_get_string (node);
    char *end = nullptr;
    gint64 v = g_ascii_strtoll (s, &end, 10);
    if (end == s || *end != '\0')
      return false;
    *out = v;
    return true;
  }
  return false;
}

/* A JSON scalar as a GValue for the metadata structure; objects/arrays are
 * kept as their JSON text. */
void
set_field_from_node (GstStructure * s, const std::string & field,
    JsonNode * node)
{
  if (JSON_NODE_TYPE (node) == JSON_NODE_VALUE) {
    GType t = json_node_get_value_type (node);
    if (t == G_TYPE_STRING)
      gst_structure_set (s, field.c_str (), G_TYPE_STRING,
          json_node_get_string (node), NULL);
    else if (t == G_TYPE_INT64)
      gst_structure_set (s, field.c_str (), G_TYPE_INT64,
          json_node_get_int (node), NULL);
    else if (t == G_TYPE_DOUBLE)
      gst_structure_set (s, field.c_str (), G_TYPE_DOUBLE,
          json_node_get_double (node), NULL);
    else if (t == G_TYPE_BOOLEAN)
      gst_structure_set (s, field.c_str (), G_TYPE_BOOLEAN,
          json_node_get_boolean (node), NULL);
    return;
  }
  if (JSON_NODE_TYPE (node) == JSON_NODE_NULL)
    return;
  gchar *text = json_to_string (node, FALSE);
  gst_structure_set (s, field.c_str (), G_TYPE_STRING, text, NULL);
  g_free (text);
}

ClientMessage
parse_start (GstSessionDialect dialect, JsonObject * root)
{
  ClientMessage m;
  const char *id;
  JsonObject *start = member_object (root, "start");

  if (dialect == GST_SESSION_DIALECT_TWILIO) {
    /* FastRTC reads the top-level streamSid; Twilio also repeats it inside
     * "start". */
    id = member_string (root, "streamSid");
    if (!id && start)
      id = member_string (start, "streamSid");
  } else {
    id = member_string (root, "websocket_id");
  }
  if (!id)
    return invalid (error::invalid_session_id,
        dialect == GST_SESSION_DIALECT_TWILIO ?
        "start without a string streamSid" :
        "start without a string websocket_id");
  if (const char *why = check_session_id (id))
    return invalid (error::invalid_session_id, why);

  m.kind = MessageKind::start;
  m.session_id = id;
  if (dialect != GST_SESSION_DIALECT_TWILIO)
    return m;

  m.metadata.reset (gst_structure_new ("metadata", "streamSid",
          G_TYPE_STRING, id, NULL));
  if (!start)
    return m;
  for (const char *key : {"callSid", "accountSid"}) {
    if (const char *v = member_string (start, key))
      gst_structure_set (m.metadata.get (), key, G_TYPE_STRING, v, NULL);
  }
  if (JsonNode * tracks = json_object_get_member (start, "tracks");
      tracks && JSON_NODE_TYPE (tracks) == JSON_NODE_ARRAY) {
    GValue array = G_VALUE_INIT;
    gst_value_array_init (&array, 0);
    JsonArray *a = json_node_get_array (tracks);
    for (guint i = 0; i < json_array_get_length (a); i++) {
      const char *t = json_array_get_string_element (a, i);
      if (!t)
        continue;
      GValue v = G_VALUE_INIT;
      g_value_init (&v, G_TYPE_STRING);
      g_value_set_string (&v, t);
      gst_value_array_append_and_take_value (&array, &v);
    }
    gst_structure_take_value (m.metadata.get (), "tracks", &array);
  }
  if (JsonObject * fmt = member_object (start, "mediaFormat")) {
    const char *encoding = member_string (fmt, "encoding");
    gint64 rate = 8000, channels = 1;
    bool has_rate = member_int (fmt, "sampleRate", &rate);
    bool has_channels = member_int (fmt, "channels", &channels);
    set_media_format (m.metadata.get (), encoding, has_rate ? &rate : nullptr,
        has_channels ? &channels : nullptr);

    if (encoding && strcmp (encoding, "audio/x-mulaw") != 0) {
      if (strcmp (encoding, "audio/x-l16") == 0 ||
          strcmp (encoding, "audio/l16") == 0)
        m.encoding = Encoding::l16;
      else
        return invalid (error::unsupported_media_format,
            std::string ("unsupported encoding ") + encoding);
    }
    if (has_rate && (rate < 8000 || rate > 48000))
      return invalid (error::unsupported_media_format,
          "sampleRate must be within 8000..48000");
    if (has_channels && channels != 1)
      return invalid (error::unsupported_media_format,
          "only mono (channels 1) is supported");
    m.sample_rate = static_cast<int> (rate);
  }
  if (JsonObject * params = member_object (start, "customParameters")) {
    GstStructure *p = gst_structure_new_empty ("customParameters");
    JsonObjectIter iter;
    const gchar *key;
    JsonNode *value;
    json_object_iter_init (&iter, params);
    while (json_object_iter_next (&iter, &key, &value)) {
      std::string field = field_name_from_key (key);
      if (admit_field_name (field))
        set_field_from_node (p, field, value);
    }
    gst_structure_set (m.metadata.get (), "customParameters",
        GST_TYPE_STRUCTURE, p, NULL);
    gst_structure_free (p);
  }
  return m;
}

/* json-glib hands strings out NUL-terminated, so one holding an escaped
 * U+0000 would be cut short there (the id "a\u0000b" read as "a", past
 * the check for control characters). Messages with such a string are
 * refused, on both parse paths alike. @data parsed as JSON: backslashes
 * are in strings only, and an odd run of them escapes what follows. */
bool
has_escaped_nul (const char *data, size_t len)
{
  const char *end = data + len;
  const char *p = static_cast<const char *> (memchr (data, '\\', len));
  while (p) {
    const char *run = p;
    while (p < end && *p == '\\')
      p++;
    if ((p - run) % 2 == 1 && end - p >= 5 && memcmp (p, "u0000", 5) == 0)
      return true;
    p = static_cast<const char *> (memchr (p, '\\', end - p));
  }
  return false;
}

constexpr const char *kEscapedNul = "a string holds U+0000";

/* The last member called @key: a repeated key reads as json-glib (and
 * JSON.parse, Python's json) read it, where simdjson's [] finds the
 * first. */
simdjson::error_code
last_member (simdjson::dom::object obj, std::string_view key,
    simdjson::dom::element & out)
{
  simdjson::error_code found = simdjson::NO_SUCH_FIELD;
  for (auto field : obj) {
    if (field.key == key) {
      out = field.value;
      found = simdjson::SUCCESS;
    }
  }
  return found;
}

/* A media message from its base64 payload (both parse paths). */
ClientMessage
media_from_payload (std::string_view payload)
{
  if (payload.empty ())
    return invalid (error::empty_payload, "empty media payload");
  ClientMessage m;
  m.payload.resize (base64_decoded_max (payload.size ()));
  long n = base64_decode (payload.data (), payload.size (), m.payload.data ());
  if (n < 0)
    return invalid (error::invalid_payload, "payload is not valid base64");
  if (n == 0)
    return invalid (error::empty_payload, "empty media payload");
  m.payload.resize (static_cast<size_t> (n));
  m.kind = MessageKind::media;
  return m;
}

ClientMessage
parse_media (JsonObject * root)
{
  JsonObject *media = member_object (root, "media");
  if (!media)
    return invalid (error::invalid_payload, "media without a media object");
  JsonNode *payload_node = json_object_get_member (media, "payload");
  if (!payload_node || JSON_NODE_TYPE (payload_node) != JSON_NODE_VALUE ||
      json_node_get_value_type (payload_node) != G_TYPE_STRING)
    return invalid (error::invalid_payload, "media without a string payload");
  return media_from_payload (json_node_get_string (payload_node));
}

}  // namespace

const char *
check_session_id (const std::string & id)
{
  if (id.empty ())
    return "session id is empty";
  if (id.size () > kMaxSessionIdLength)
    return "session id is longer than 128 bytes";
  for (unsigned char c : id)
    if (c < 0x20 || c == 0x7F)
      return "session id contains control characters";
  return nullptr;
}

std::string
field_name_from_key (const std::string & key)
{
  std::string out;
  out.reserve (key.size () + 1);
  if (key.empty () || !g_ascii_isalpha (key[0]))
    out += 'x';
  for (char c : key)
    out += (g_ascii_isalnum (c) || strchr ("/-_.:+", c)) && c ? c : '_';
  return out;
}

namespace {
std::atomic<unsigned> client_field_names { 0 };
std::atomic<unsigned long> client_field_names_refused { 0 };
}  // namespace

bool
admit_field_name (const std::string & name)
{
  if (name.size () <= kMaxClientFieldNameLength) {
    if (g_quark_try_string (name.c_str ()))
      return true;
    /* May overshoot by the number of I/O threads racing here: bounded. */
    if (client_field_names.load (std::memory_order_relaxed) <
        kMaxClientFieldNames) {
      client_field_names.fetch_add (1, std::memory_order_relaxed);
      return true;
    }
  }
  client_field_names_refused.fetch_add (1, std::memory_order_relaxed);
  return false;
}

unsigned long
field_names_refused ()
{
  return client_field_names_refused.load (std::memory_order_relaxed);
}

ClientMessage
parse_client_message_json_glib (GstSessionDialect dialect, const char *data,
    size_t len)
{
  std::unique_ptr<JsonParser, ParserDeleter> parser (json_parser_new ());
  GError *err = nullptr;
  if (!json_parser_load_from_data (parser.get (), data, (gssize) len, &err)) {
    std::string detail = err ? err->message : "unparsable";
    g_clear_error (&err);
    return invalid (error::invalid_json, "malformed JSON: " + detail);
  }
  if (has_escaped_nul (data, len))
    return invalid (error::invalid_message, kEscapedNul);
  JsonNode *root_node = json_parser_get_root (parser.get ());
  if (!root_node)
    return invalid (error::invalid_json, "empty message");
  if (JSON_NODE_TYPE (root_node) != JSON_NODE_OBJECT)
    return invalid (error::invalid_message, "message is not a JSON object");
  JsonObject *root = json_node_get_object (root_node);

  JsonNode *event_node = json_object_get_member (root, "event");
  if (!event_node) {
    if (json_object_has_member (root, "type")) {
      ClientMessage m;
      m.kind = MessageKind::application;
      return m;
    }
    return invalid (error::missing_event, "message has no \"event\"");
  }
  const char *event = member_string (root, "event");
  if (!event)
    return invalid (error::invalid_message, "\"event\" is not a string");

  if (strcmp (event, "media") == 0)
    return parse_media (root);
  if (strcmp (event, "start") == 0)
    return parse_start (dialect, root);

  ClientMessage m;
  if (strcmp (event, "stop") == 0) {
    m.kind = MessageKind::stop;
  } else if (strcmp (event, "ping") == 0) {
    m.kind = MessageKind::ping;
  } else if (dialect == GST_SESSION_DIALECT_TWILIO &&
      strcmp (event, "connected") == 0) {
    m.kind = MessageKind::connected;
  } else if (dialect == GST_SESSION_DIALECT_TWILIO &&
      strcmp (event, "dtmf") == 0) {
    JsonObject *dtmf = member_object (root, "dtmf");
    const char *digit = dtmf ? member_string (dtmf, "digit") : nullptr;
    if (!digit || !*digit)
      return invalid (error::invalid_message, "dtmf without a digit");
    m.kind = MessageKind::dtmf;
    m.text = digit;
  } else if (dialect == GST_SESSION_DIALECT_TWILIO &&
      strcmp (event, "mark") == 0) {
    JsonObject *mark = member_object (root, "mark");
    const char *name = mark ? member_string (mark, "name") : nullptr;
    if (!name)
      return invalid (error::invalid_message, "mark without a name");
    m.kind = MessageKind::mark;
    m.text = name;
  } else if (strcmp (event, "binary_media") == 0) {
    JsonNode *enc = json_object_get_member (root, "encoding");
    const char *name = member_string (root, "encoding");
    if (enc && !name)
      return invalid (error::invalid_message, "encoding is not a string");
    m.kind = MessageKind::binary_media;
    if (!name || strcmp (name, "mulaw") == 0)
      m.encoding = Encoding::mulaw;
    else if (strcmp (name, "s16le") == 0)
      m.encoding = Encoding::s16le;
    else
      return invalid (error::unsupported_media_format,
          std::string ("binary_media encoding \"") + name + "\" is not "
          "\"mulaw\" or \"s16le\"");
  } else {
    m.kind = MessageKind::application;
  }
  return m;
}

SignalRequest
parse_signal_request (const char *data, size_t len)
{
  SignalRequest r;
  /* Checked by simdjson first, as every WebSocket message is: json-glib
   * alone lets through what is not JSON, and turns a lone escaped
   * surrogate ("\ud800") into a string that is not UTF-8. */
  simdjson::dom::parser validator;
  simdjson::padded_string padded (data, len);
  if (auto e = validator.parse (padded).error ()) {
    r.http_status = 400;
    r.error = error::invalid_json;
    r.detail = std::string ("malformed JSON: ") + simdjson::error_message (e);
    return r;
  }
  std::unique_ptr<JsonParser, ParserDeleter> parser (json_parser_new ());
  GError *err = nullptr;
  if (!json_parser_load_from_data (parser.get (), data, (gssize) len, &err) ||
      !json_parser_get_root (parser.get ()) ||
      JSON_NODE_TYPE (json_parser_get_root (parser.get ())) !=
      JSON_NODE_OBJECT) {
    r.http_status = 400;
    r.error = error::invalid_json;
    r.detail = err ? err->message : "body is not a JSON object";
    g_clear_error (&err);
    return r;
  }
  if (has_escaped_nul (data, len)) {
    r.http_status = 400;
    r.error = error::invalid_message;
    r.detail = kEscapedNul;
    return r;
  }
  JsonObject *root = json_node_get_object (json_parser_get_root (parser.get ()));
  const char *id = member_string (root, "webrtc_id");
  const char *type = member_string (root, "type");
  /* FastRTC (pydantic) answers 422 when a required field is missing. */
  if (!id || !type) {
    r.http_status = 422;
    r.detail = "webrtc_id and type are required strings";
    return r;
  }
  if (const char *why = check_session_id (id)) {
    r.error = error::invalid_session_id;
    r.detail = why;
    return r;
  }
  r.id = id;
  if (strcmp (type, "offer") == 0) {
    const char *sdp = member_string (root, "sdp");
    if (!sdp) {
      r.http_status = 422;
      r.detail = "an offer needs an sdp string";
      return r;
    }
    r.kind = SignalKind::offer;
    r.sdp = sdp;
    return r;
  }
  if (strcmp (type, "ice-candidate") == 0) {
    JsonNode *cnode = json_object_get_member (root, "candidate");
    /* null / missing candidate: the end-of-candidates marker. */
    if (!cnode || JSON_NODE_TYPE (cnode) == JSON_NODE_NULL) {
      r.kind = SignalKind::candidate;
      return r;
    }
    if (JSON_NODE_TYPE (cnode) != JSON_NODE_OBJECT) {
      r.error = error::invalid_candidate_format;
      r.detail = "candidate is not an object";
      return r;
    }
    JsonObject *c = json_node_get_object (cnode);
    const char *cand = member_string (c, "candidate");
    if (!cand) {
      r.error = error::invalid_candidate_format;
      r.detail = "candidate.candidate is not a string";
      return r;
    }
    if (*cand && !g_str_has_prefix (cand, "candidate:")) {
      r.error = error::invalid_candidate_format;
      r.detail = "candidate does not start with \"candidate:\"";
      return r;
    }
    gint64 index = 0;
    JsonNode *inode = json_object_get_member (c, "sdpMLineIndex");
    if (inode && JSON_NODE_TYPE (inode) != JSON_NODE_NULL) {
      if (!member_int (c, "sdpMLineIndex", &index) || index < 0 ||
          index > 64) {
        r.error = error::invalid_candidate_format;
        r.detail = "sdpMLineIndex is not a small non-negative integer";
        return r;
      }
    }
    if (const char *mid = member_string (c, "sdpMid"))
      r.sdp_mid = mid;
    r.kind = SignalKind::candidate;
    r.candidate = cand;
    r.sdp_mline_index = (int) index;
    return r;
  }
  r.http_status = 422;
  r.detail = std::string ("unknown type \"") + type + "\"";
  return r;
}

std::string
answer_reply (const std::string & sdp)
{
  return "{\"sdp\":" + json_quote (sdp) + ",\"type\":\"answer\"}";
}

std::string
success_reply ()
{
  return "{\"status\":\"success\"}";
}

/* Every message is validated whole by simdjson (RFC 8259, UTF-8); media
 * frames — nearly all traffic — are answered on this path alone. The rare
 * control messages are parsed again by json-glib for their fields. */
ClientMessage
parse_client_message (GstSessionDialect dialect, const char *data, size_t len)
{
  /* One parser and one padded copy per thread: nothing to set up per
   * message. */
  thread_local simdjson::dom::parser parser;
  thread_local std::vector<char> padded;
  if (padded.size () < len + simdjson::SIMDJSON_PADDING)
    padded.resize (len + simdjson::SIMDJSON_PADDING);
  memcpy (padded.data (), data, len);

  simdjson::dom::element root;
  if (auto err = parser.parse (padded.data (), len, false).get (root))
    return invalid (error::invalid_json, len == 0 ? "empty message" :
        std::string ("malformed JSON: ") + simdjson::error_message (err));
  if (has_escaped_nul (data, len))
    return invalid (error::invalid_message, kEscapedNul);
  simdjson::dom::object obj;
  if (root.get (obj))
    return invalid (error::invalid_message, "message is not a JSON object");

  simdjson::dom::element event_el;
  if (last_member (obj, "event", event_el)) {
    if (obj["type"].error () == simdjson::SUCCESS) {
      ClientMessage m;
      m.kind = MessageKind::application;
      return m;
    }
    return invalid (error::missing_event, "message has no \"event\"");
  }
  std::string_view event;
  if (event_el.get (event))
    return invalid (error::invalid_message, "\"event\" is not a string");
  /* Twilio's first message has nothing the session reads: one parse. */
  if (event == "connected" && dialect == GST_SESSION_DIALECT_TWILIO) {
    ClientMessage m;
    m.kind = MessageKind::connected;
    return m;
  }
  if (event == "start") {
    ClientMessage m;
    if (parse_plain_start (dialect, obj, m))
      return m;
  }
  if (event != "media")
    return parse_client_message_json_glib (dialect, data, len);

  simdjson::dom::element el;
  simdjson::dom::object media;
  if (last_member (obj, "media", el) || el.get (media))
    return invalid (error::invalid_payload, "media without a media object");
  std::string_view payload;
  if (last_member (media, "payload", el) || el.get (payload))
    return invalid (error::invalid_payload, "media without a string payload");
  return media_from_payload (payload);
}

void
set_media_format (GstStructure * metadata, const char *encoding,
    const gint64 * rate, const gint64 * channels)
{
  GstStructure *f = gst_structure_new_empty ("mediaFormat");
  if (encoding)
    gst_structure_set (f, "encoding", G_TYPE_STRING, encoding, NULL);
  if (rate)
    gst_structure_set (f, "sampleRate", G_TYPE_INT, (gint) * rate, NULL);
  if (channels)
    gst_structure_set (f, "channels", G_TYPE_INT, (gint) * channels, NULL);
  gst_structure_set (metadata, "mediaFormat", GST_TYPE_STRUCTURE, f, NULL);
  gst_structure_free (f);
}

std::string
json_quote (const std::string & s)
{
  std::string out;
  out.reserve (s.size () + 2);
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          g_snprintf (buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char> (c);
        }
    }
  }
  out += '"';
  return out;
}

std::string
failed_reply (const char *code, long limit)
{
  std::string out = "{\"status\":\"failed\",\"meta\":{\"error\":";
  out += json_quote (code);
  if (limit >= 0)
    out += ",\"limit\":" + std::to_string (limit);
  out += "}}";
  return out;
}

std::string
media_message_prefix (GstSessionDialect dialect,
    const std::string & stream_sid)
{
  std::string out = "{\"event\":\"media\",";
  if (dialect == GST_SESSION_DIALECT_TWILIO)
    out += "\"streamSid\":" + json_quote (stream_sid) + ",";
  out += "\"media\":{\"payload\":\"";
  return out;
}

std::string
media_message (GstSessionDialect dialect, const std::string & stream_sid,
    const uint8_t * mulaw, size_t len)
{
  std::string out = media_message_prefix (dialect, stream_sid);
  base64_encode_append (mulaw, len, out);
  out += kMediaMessageSuffix;
  return out;
}

std::string
mark_message (GstSessionDialect dialect, const std::string & stream_sid,
    const std::string & name)
{
  std::string out = "{\"event\":\"mark\",";
  if (dialect == GST_SESSION_DIALECT_TWILIO)
    out += "\"streamSid\":" + json_quote (stream_sid) + ",";
  out += "\"mark\":{\"name\":" + json_quote (name) + "}}";
  return out;
}

std::string
clear_message (GstSessionDialect dialect, const std::string & stream_sid)
{
  std::string out = "{\"event\":\"clear\"";
  if (dialect == GST_SESSION_DIALECT_TWILIO)
    out += ",\"streamSid\":" + json_quote (stream_sid);
  out += "}";
  return out;
}

std::string
pong_message ()
{
  return "{\"event\":\"pong\"}";
}

const char *
binary_encoding_name (Encoding e)
{
  return e == Encoding::s16le ? "s16le" : "mulaw";
}

std::string
binary_media_message (Encoding encoding, int input_rate, int output_rate)
{
  return std::string ("{\"event\":\"binary_media\",\"encoding\":\"") +
      binary_encoding_name (encoding) + "\",\"input_rate\":" +
      std::to_string (input_rate) + ",\"output_rate\":" +
      std::to_string (output_rate) + "}";
}

}  // namespace sessionctx
