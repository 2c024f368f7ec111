/* The floor: the least a WebSocket echo server can do per frame on this
 * machine. One thread, epoll, no GStreamer, no JSON: it answers the
 * handshake, then sends every text frame back as it came (unmasked). The
 * load generator's Twilio and FastRTC media messages survive that
 * unchanged, so `loadgen` measures it like sessionsrc ! sessionsink:
 *
 *   taskset -c 0 build/tests/bench/floor-echo --port 9001 &
 *   taskset -c 1 build/tests/bench/loadgen --dialect twilio --port 9001 \
 *       --sessions 1000 --server-pid $!
 *
 * Whatever this costs per frame (read, write, the kernel's loopback TCP),
 * sessionsrc ! sessionsink costs at least as much.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench_util.h"
#include "wire/websocket.h"

#include <glib.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace ws = sessionctx::ws;

struct Conn
{
  int fd;
  bool upgraded = false;
  std::vector<uint8_t> in;
  size_t len = 0;
  ws::Reader reader { 1 << 20 };
};

std::string
accept_key (const std::string & key)
{
  std::string s = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sum, (const guchar *) s.data (), s.size ());
  guint8 digest[20];
  gsize n = sizeof digest;
  g_checksum_get_digest (sum, digest, &n);
  g_checksum_free (sum);
  gchar *b64 = g_base64_encode (digest, n);
  std::string out = b64;
  g_free (b64);
  return out;
}

void
send_all (int fd, const void *data, size_t len)
{
  /* Frames are small and the client reads: a short write is not expected
   * here, and the floor does not pay for a queue. */
  if (send (fd, data, len, MSG_NOSIGNAL) != (ssize_t) len)
    fprintf (stderr, "short write on fd %d\n", fd);
}

/* false: close the connection */
bool
on_readable (Conn & c)
{
  if (c.in.size () - c.len < 4096)
    c.in.resize (c.in.size () * 2);
  ssize_t n = recv (c.fd, c.in.data () + c.len, c.in.size () - c.len,
      MSG_DONTWAIT);
  if (n < 0)
    return errno == EAGAIN || errno == EINTR;
  if (n == 0)
    return false;
  c.len += (size_t) n;
  size_t off = 0;
  if (!c.upgraded) {
    std::string head (reinterpret_cast<char *> (c.in.data ()), c.len);
    size_t end = head.find ("\r\n\r\n");
    if (end == std::string::npos)
      return true;
    size_t k = head.find ("Sec-WebSocket-Key: ");
    if (k == std::string::npos)
      return false;
    size_t e = head.find ("\r\n", k);
    std::string key = head.substr (k + 19, e - k - 19);
    std::string reply = "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " + accept_key (key) + "\r\n\r\n";
    send_all (c.fd, reply.data (), reply.size ());
    c.upgraded = true;
    off = end + 4;
  }
  while (true) {
    size_t used;
    ws::Message m;
    auto r = c.reader.next (c.in.data () + off, c.len - off, &used, &m);
    off += used;
    if (r == ws::Reader::kError)
      return false;
    if (r == ws::Reader::kNeedMore)
      break;
    if (m.opcode == ws::kClose)
      return false;
    if (m.opcode != ws::kText)
      continue;
    uint8_t header[ws::kMaxHeader];
    size_t h = ws::frame_header (ws::kText, m.data.size (), header);
    std::string frame (reinterpret_cast<char *> (header), h);
    frame.append (m.data);
    send_all (c.fd, frame.data (), frame.size ());
  }
  memmove (c.in.data (), c.in.data () + off, c.len - off);
  c.len -= off;
  return true;
}

}  // namespace

int
main (int argc, char **argv)
{
  int port = 9001;
  if (!bench::parse_options (argc, argv, {{"--port", &port}}))
    return 2;

  int lfd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt (lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = { };
  addr.sin_family = AF_INET;
  addr.sin_port = htons ((uint16_t) port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (lfd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
      listen (lfd, 4096) != 0) {
    perror ("bind/listen");
    return 1;
  }
  int ep = epoll_create1 (EPOLL_CLOEXEC);
  struct epoll_event ev = { };
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;
  epoll_ctl (ep, EPOLL_CTL_ADD, lfd, &ev);
  printf ("floor-echo listening on 127.0.0.1:%d\n", port);
  fflush (stdout);

  struct epoll_event events[256];
  while (true) {
    int n = epoll_wait (ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      auto *c = static_cast<Conn *> (events[i].data.ptr);
      if (!c) {
        int fd = accept4 (lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
          continue;
        setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c = new Conn;
        c->fd = fd;
        c->in.resize (8192);
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        epoll_ctl (ep, EPOLL_CTL_ADD, fd, &ev);
        continue;
      }
      if (!on_readable (*c)) {
        close (c->fd);          /* also leaves the epoll set */
        delete c;
      }
    }
  }
}
