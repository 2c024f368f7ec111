/* Client/server message formats of FastRTC's WebSocket clients (`start`
 * with `websocket_id`, `media` with base64 µ-law, `stop`) and of Twilio
 * Media Streams (`connected`, `start` with `mediaFormat`, `media`,
 * `dtmf`, `mark`, `stop`), as those clients send them; the extension and
 * every error code: docs/PROTOCOL.md. Pure functions over strings: no
 * sockets, no state.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/sessionctx/sessionctx.h>

#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessionctx {

/* Longest session id accepted, in bytes. */
constexpr size_t kMaxSessionIdLength = 128;

enum class MessageKind
{
  invalid,      /* error holds the FastRTC-style error code */
  start,
  media,
  stop,
  ping,
  connected,    /* Twilio */
  dtmf,         /* Twilio */
  mark,         /* Twilio: audio before a server mark has played */
  binary_media, /* extension: raw audio in binary frames from now on */
  application,  /* any other event or a {"type":...} message */
};

enum class Encoding
{
  mulaw,        /* G.711 µ-law, 8 bit */
  l16,          /* 16-bit linear PCM, big-endian (RFC 3551) */
  s16le,        /* 16-bit linear PCM, little-endian (binary frames) */
};

/* Binary media extension: the encodings a client may choose with
 * {"event":"binary_media","encoding":NAME}, and their names. */
const char *binary_encoding_name (Encoding e);

/* An allocator whose resize () leaves new bytes uninitialised. */
template <typename T>
struct DefaultInitAllocator : std::allocator<T>
{
  template <typename U> struct rebind
  {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <typename U> void construct (U * p)
  {
    ::new (static_cast<void *> (p)) U;
  }
  template <typename U, typename... Args> void construct (U * p,
      Args &&... args)
  {
    ::new (static_cast<void *> (p)) U (std::forward<Args> (args)...);
  }
};

struct StructureDeleter
{
  void operator() (GstStructure * s) const { gst_structure_free (s); }
};
using StructurePtr = std::unique_ptr<GstStructure, StructureDeleter>;

/* Error codes sent as {"status":"failed","meta":{"error":CODE}}. */
namespace error {
constexpr const char *invalid_json = "invalid_json";
constexpr const char *invalid_message = "invalid_message";
constexpr const char *missing_event = "missing_event";
constexpr const char *invalid_session_id = "invalid_session_id";
constexpr const char *not_started = "not_started";
constexpr const char *already_started = "already_started";
constexpr const char *connection_already_exists = "connection_already_exists";
constexpr const char *concurrency_limit_reached = "concurrency_limit_reached";
constexpr const char *invalid_payload = "invalid_payload";
constexpr const char *empty_payload = "empty_payload";
constexpr const char *invalid_payload_length = "invalid_payload_length";
constexpr const char *unsupported_media_format = "unsupported_media_format";
constexpr const char *binary_not_supported = "binary_not_supported";
constexpr const char *message_too_big = "message_too_big";
/* Warning only: a client that stopped reading was disconnected. */
constexpr const char *send_buffer_full = "send_buffer_full";
constexpr const char *unknown_connection = "unknown_connection";
constexpr const char *invalid_candidate_format = "invalid_candidate_format";
constexpr const char *connection_closed = "connection_closed";
constexpr const char *invalid_sdp = "invalid_sdp";
constexpr const char *no_audio = "no_audio";
constexpr const char *remote_description_rejected =
    "remote_description_rejected";
constexpr const char *transport_disabled = "transport_disabled";
/* What processes a session's audio failed (sessionbin's handler, or what a
 * session pad feeds). */
constexpr const char *handler_failed = "handler_failed";
/* Access control (access.h): no or a wrong auth-token (HTTP 401), or the
 * authorize signal said no; an Origin not in allowed-origins (HTTP 403);
 * max-sessions-per-address reached. */
constexpr const char *unauthorized = "unauthorized";
constexpr const char *forbidden_origin = "forbidden_origin";
constexpr const char *address_limit_reached = "address_limit_reached";
/* The server drains (sessionsrc's drain signal): it takes no new session
 * (HTTP 503 with Retry-After; a WebSocket's start: close 1001). */
constexpr const char *draining = "draining";
/* twilio-auth-token is set and a request on a Twilio route carries no
 * X-Twilio-Signature, or one that does not verify (HTTP 403). */
constexpr const char *invalid_signature = "invalid_signature";
}  // namespace error

struct ClientMessage
{
  MessageKind kind = MessageKind::invalid;
  const char *error = nullptr;  /* set when kind == invalid */
  std::string detail;           /* human-readable reason */
  std::string session_id;       /* start */
  StructurePtr metadata;        /* start: Twilio fields */
  int sample_rate = 0;          /* start: Twilio mediaFormat, 0 = default */
  Encoding encoding = Encoding::mulaw;
  /* media, base64-decoded (not zero-filled first: it is overwritten) */
  std::vector<uint8_t, DefaultInitAllocator<uint8_t>> payload;
  std::string text;             /* dtmf digit or mark name */
};

/* FastRTC's HTTP signalling (POST /webrtc/offer). */
enum class SignalKind
{
  invalid,
  offer,
  candidate,
};

struct SignalRequest
{
  SignalKind kind = SignalKind::invalid;
  int http_status = 200;        /* 400 malformed JSON, 422 missing fields */
  const char *error = nullptr;  /* failed-status code when kind == invalid */
  std::string detail;
  std::string id;               /* webrtc_id */
  std::string sdp;              /* offer */
  std::string candidate;        /* "candidate:..." or "" (end of candidates) */
  std::string sdp_mid;
  int sdp_mline_index = -1;
};

SignalRequest parse_signal_request (const char *data, size_t len);

std::string answer_reply (const std::string & sdp);
std::string success_reply ();

/* Compare codes by content: each translation unit may have its own copy
 * of the string literals above. */
inline bool
is_error (const ClientMessage & m, const char *code)
{
  return m.error && std::string_view (m.error) == code;
}

/* Parses one text frame from a client speaking @dialect. */
ClientMessage parse_client_message (GstSessionDialect dialect,
    const char *data, size_t len);
/* The same with json-glib alone (the reference the fast path is checked
 * against; used for the rare control messages). */
ClientMessage parse_client_message_json_glib (GstSessionDialect dialect,
    const char *data, size_t len);

/* Empty, over kMaxSessionIdLength bytes or containing control characters:
 * returns the reason, else nullptr. */
const char *check_session_id (const std::string & id);

/* A GstStructure field name made from an arbitrary key: characters GStreamer
 * does not allow in field names become '_', and a leading non-letter gets an
 * 'x' prefix. */
std::string field_name_from_key (const std::string & key);

/* Field names come from clients (Twilio customParameters keys, URL query
 * parameter names) and GStreamer keeps every field name as a GQuark, which
 * is never freed: unchecked, a server would grow with every new name a
 * client invents. A name is admitted when it is already a quark, or while
 * the process has made fewer than kMaxClientFieldNames quarks from client
 * keys; names over kMaxClientFieldNameLength bytes never are. A name not
 * admitted is left out of the metadata (the rest of it stays). */
constexpr unsigned kMaxClientFieldNames = 1024;
constexpr size_t kMaxClientFieldNameLength = 64;
bool admit_field_name (const std::string & name);
/* How many names admit_field_name () has refused (for tests). */
unsigned long field_names_refused ();

/* {"status":"failed","meta":{"error":CODE[,"limit":LIMIT]}} */
std::string failed_reply (const char *code, long limit = -1);

/* Server → client messages. @stream_sid is used for Twilio only. */
std::string media_message (GstSessionDialect dialect,
    const std::string & stream_sid, const uint8_t * mulaw, size_t len);
/* A media message is this prefix, the base64 payload and the suffix (the
 * prefix is the same for every frame of a session). */
std::string media_message_prefix (GstSessionDialect dialect,
    const std::string & stream_sid);
constexpr const char *kMediaMessageSuffix = "\"}}";
std::string mark_message (GstSessionDialect dialect,
    const std::string & stream_sid, const std::string & name);
std::string clear_message (GstSessionDialect dialect,
    const std::string & stream_sid);
std::string pong_message ();
/* The answer to binary_media: the encoding and both rates. */
std::string binary_media_message (Encoding encoding, int input_rate,
    int output_rate);

/* JSON string literal (with quotes) for @s. */
std::string json_quote (const std::string & s);

/* Twilio's start.mediaFormat into @metadata as the structure "mediaFormat"
 * (what of encoding, sampleRate and channels the client sent: @encoding
 * nullptr, @rate / @channels nullptr when absent). */
void set_media_format (GstStructure * metadata, const char *encoding,
    const gint64 * rate, const gint64 * channels);

}  // namespace sessionctx
