/* A bare WebSocket client on a blocking socket, and the client frame it
 * writes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>

namespace test {

/* A bare WebSocket client on a plain blocking socket, for what libsoup
 * will not do: vanish with a TCP reset, no close frame. */
/* A WebSocket frame as a client writes it: @first is FIN/RSV/opcode;
 * masked unless told; @len64 forces the 64-bit length form. */
inline std::string
client_frame (uint8_t first, const std::string & payload, bool masked = true,
    bool len64 = false)
{
  std::string f (1, (char) first);
  size_t n = payload.size ();
  const char m = masked ? (char) 0x80 : 0;
  if (n < 126 && !len64) {
    f += (char) (m | n);
  } else if (n < 65536 && !len64) {
    f += (char) (m | 126);
    f += (char) (n >> 8);
    f += (char) (n & 0xFF);
  } else {
    f += (char) (m | 127);
    for (int i = 7; i >= 0; i--)
      f += (char) ((n >> (8 * i)) & 0xFF);
  }
  const char key[4] = { 0x37, (char) 0xfa, 0x21, 0x3d };
  if (masked)
    f.append (key, 4);
  for (size_t i = 0; i < n; i++)
    f += masked ? (char) (payload[i] ^ key[i % 4]) : payload[i];
  return f;
}

class RawWsClient
{
public:
  ~RawWsClient ()
  {
    if (fd_ >= 0)
      ::close (fd_);
  }
  bool connect (guint port, const std::string & path)
  {
    fd_ = socket (AF_INET, SOCK_STREAM, 0);
    if (no_delay_) {
      int one = 1;
      setsockopt (fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (pending_rcvbuf_)
      setsockopt (fd_, SOL_SOCKET, SO_RCVBUF, &pending_rcvbuf_,
          sizeof pending_rcvbuf_);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons (port);
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    if (::connect (fd_, (sockaddr *) & addr, sizeof addr) != 0)
      return false;
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" +
        std::to_string (port) + "\r\nUpgrade: websocket\r\nConnection: "
        "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n";
    if (::send (fd_, req.data (), req.size (), 0) != (ssize_t) req.size ())
      return false;
    std::string resp;
    char c;
    while (resp.find ("\r\n\r\n") == std::string::npos &&
        ::recv (fd_, &c, 1, 0) == 1)
      resp += c;
    return resp.rfind ("HTTP/1.1 101", 0) == 0;
  }
  /* One masked text frame. */
  void send (const std::string & text)
  {
    send_frame (0x81, text);
  }
  /* Bytes as they are (several frames in one write, say). */
  void send_bytes (const std::string & bytes)
  {
    g_assert_cmpint (::send (fd_, bytes.data (), bytes.size (), MSG_NOSIGNAL),
        ==, (ssize_t) bytes.size ());
  }
  /* Any frame: @first is FIN/RSV/opcode. */
  void send_frame (uint8_t first, const std::string & text,
      bool masked = true)
  {
    std::string f = client_frame (first, text, masked);
    g_assert_cmpint (::send (fd_, f.data (), f.size (), MSG_NOSIGNAL), ==,
        (ssize_t) f.size ());
  }
  /* The next server frame within @timeout_ms: {opcode, payload}; opcode
   * -1 when the server closed the TCP connection, -2 on timeout. A server
   * frame must be final and unmasked. */
  std::pair<int, std::string> read_frame (int timeout_ms = 3000)
  {
    uint8_t h[2];
    if (!read_exact (h, 2, timeout_ms))
      return {eof_ ? -1 : -2, ""};
    g_assert_cmpuint (h[0] & 0xF0, ==, 0x80);
    g_assert_cmpuint (h[1] & 0x80, ==, 0);
    uint64_t n = h[1] & 0x7F;
    if (n >= 126) {
      uint8_t ext[8];
      size_t k = n == 126 ? 2 : 8;
      g_assert_true (read_exact (ext, k, timeout_ms));
      n = 0;
      for (size_t i = 0; i < k; i++)
        n = (n << 8) | ext[i];
    }
    std::string payload (n, '\0');
    g_assert_true (read_exact ((uint8_t *) payload.data (), n, timeout_ms));
    return {h[0] & 0x0F, payload};
  }
  /* The next text frame, skipping nothing else. */
  std::string read_text (int timeout_ms = 3000)
  {
    auto [op, payload] = read_frame (timeout_ms);
    g_assert_cmpint (op, ==, 1);
    return payload;
  }
  /* Reads (and throws away) everything until the server closes the
   * connection: the bytes read, or -1 after @timeout_ms. */
  gssize read_until_closed (int timeout_ms = 5000)
  {
    gssize total = 0;
    char buf[65536];
    gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
    while (g_get_monotonic_time () < deadline) {
      struct pollfd pfd = { fd_, POLLIN, 0 };
      if (poll (&pfd, 1, 100) != 1)
        continue;
      ssize_t r = ::recv (fd_, buf, sizeof buf, 0);
      if (r <= 0)
        return total;
      total += r;
    }
    return -1;
  }
  /* Set a small receive buffer (before connect) to stop reading early. */
  void set_receive_buffer (int bytes)
  {
    pending_rcvbuf_ = bytes;
  }
  /* Every send leaves at once (before connect): nothing sent waits in
   * this socket for a reset () to throw away. */
  void set_no_delay ()
  {
    no_delay_ = true;
  }
  /* Waits until the server's kernel has acknowledged everything sent
   * (nothing left for a reset () to throw away; the server may not have
   * read it yet). */
  bool wait_acknowledged (guint timeout_ms = 5000)
  {
    gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
    int unacknowledged = 0;
    while (ioctl (fd_, SIOCOUTQ, &unacknowledged) == 0 && unacknowledged > 0) {
      if (g_get_monotonic_time () > deadline)
        return false;
      g_usleep (1000);
    }
    return unacknowledged == 0;
  }
  /* Vanish: SO_LINGER 0 makes close() send RST. */
  void reset ()
  {
    struct linger lin = { 1, 0 };
    setsockopt (fd_, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
    ::close (fd_);
    fd_ = -1;
  }
private:
  bool read_exact (uint8_t * out, size_t n, int timeout_ms)
  {
    size_t got = 0;
    while (got < n) {
      struct pollfd pfd = { fd_, POLLIN, 0 };
      if (poll (&pfd, 1, timeout_ms) != 1)
        return false;
      ssize_t r = ::recv (fd_, out + got, n - got, 0);
      if (r <= 0) {
        eof_ = true;
        return false;
      }
      got += (size_t) r;
    }
    return true;
  }
  bool eof_ = false;
  bool no_delay_ = false;
  int pending_rcvbuf_ = 0;
  int fd_ = -1;
};

}  // namespace test
