/* RFC 6455 framing for the server side: a strict reader of client frames
 * and writers of server frames. Pure functions over bytes: no sockets.
 * The server hands the connection over from libsoup after the opening
 * handshake and does its own framing, so that thousands of connections
 * are served by one epoll set instead of one GSource each.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sessionctx {
namespace ws {

enum Opcode : uint8_t
{
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

/* Close codes (RFC 6455 §7.4.1). */
constexpr uint16_t kCloseNormal = 1000;
constexpr uint16_t kCloseGoingAway = 1001;
constexpr uint16_t kCloseProtocolError = 1002;
constexpr uint16_t kCloseNoStatus = 1005;
constexpr uint16_t kCloseBadData = 1007;
constexpr uint16_t kClosePolicyViolation = 1008;
constexpr uint16_t kCloseTooBig = 1009;
constexpr uint16_t kCloseInternalError = 1011;

/* Largest header of a server frame (2 + 8 bytes, no mask). */
constexpr size_t kMaxHeader = 10;

/* Writes the header of an unmasked, final frame of @len payload bytes to
 * @out; returns its length. */
size_t frame_header (uint8_t op, size_t len, uint8_t out[kMaxHeader]);

/* Appends a whole unmasked final frame to @out. */
void append_frame (std::string & out, uint8_t op, const void *data,
    size_t len);

/* Payload of a close frame: the code (big-endian) and a reason, cut to
 * what fits in a control frame (123 bytes, on a UTF-8 boundary). */
std::string close_payload (uint16_t code, std::string_view reason);

/* A code a peer may send in a close frame (RFC 6455 §7.4). */
bool close_code_is_valid (uint16_t code);

struct Message
{
  uint8_t opcode = 0;           /* kText, kBinary, kClose, kPing or kPong */
  std::string_view data;        /* unmasked; valid until the next call */
  uint16_t close_code = 0;      /* kClose: kCloseNoStatus when absent */
  std::string_view close_reason;
};

/* Reads client frames. A client must mask every frame, set no RSV bit (no
 * extension is negotiated), keep control frames final and ≤ 125 bytes,
 * interleave only control frames with a fragmented message, send text as
 * UTF-8 and messages no larger than @max_message. Anything else is an
 * error with the close code to answer it with. */
class Reader
{
public:
  explicit Reader (size_t max_message) : max_message_ (max_message) {}

  enum Result
  {
    kMessage,   /* *msg holds a message; *used bytes consumed */
    kNeedMore,  /* no complete message; *used bytes (fragments) consumed */
    kError,     /* error_code ()/error_reason () say why; stop reading */
  };

  /* Reads at most one message from @data (which it unmasks in place). A
   * frame that only continues a fragmented message is consumed and
   * reading goes on. */
  Result next (uint8_t * data, size_t len, size_t * used, Message * msg);

  /* Bytes the frame at the start of @data needs in all, once its header
   * is complete (0 before); lets the caller grow its buffer. */
  static size_t frame_size (const uint8_t * data, size_t len);

  uint16_t error_code () const { return error_code_; }
  const char *error_reason () const { return error_reason_; }

private:
  Result fail (uint16_t code, const char *reason);

  size_t max_message_;
  std::string fragments_;       /* data of a fragmented message so far */
  uint8_t fragment_op_ = 0;     /* its opcode, 0 when none in progress */
  uint16_t error_code_ = 0;
  const char *error_reason_ = nullptr;
};

}  // namespace ws
}  // namespace sessionctx
