/* One WebSocket connection after libsoup handed it over: its socket in the
 * I/O thread's epoll set, the frames read from it (websocket.h parses
 * them), the outbox of frames it has not taken yet, and the close
 * handshake. It knows nothing of sessions: what it reads goes to Events.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "wire/websocket.h"

#include <gio/gio.h>
#include <sys/uio.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sessionctx {

class Connection
{
public:
  /* What read () found; called on the server thread, in order. */
  class Events
  {
  public:
    virtual ~Events () = default;
    /* A text or binary message. */
    virtual void on_message (const ws::Message & m) = 0;
    /* The client's close frame (ours is not sent yet, or was). */
    virtual void on_close_frame (const ws::Message & m) = 0;
    /* End of stream or a socket error (@why says which). */
    virtual void on_lost (const char *why) = 0;
    /* A frame broke RFC 6455 (or max-message-size): @code is the close
     * code to answer with. The connection fails after this returns. */
    virtual void on_protocol_error (uint16_t code, const char *reason) = 0;
  };

  Connection () = default;
  ~Connection ();
  Connection (const Connection &) = delete;
  Connection & operator= (const Connection &) = delete;

  /* Takes @stream (which owns @socket) and adds the socket to @epoll_fd
   * with @epoll_tag as its event data. With @tls (a GTlsConnection owned
   * by @stream) the bytes go through its pollable streams, else straight
   * to the socket. @on_overflow runs (with the write lock held) once more
   * than @max_send_queue bytes wait. False when the socket could not join
   * epoll. */
  bool adopt (GIOStream * stream, GSocket * socket, GIOStream * tls,
      int epoll_fd,
      void *epoll_tag, size_t max_message, size_t max_send_queue,
      std::function<void ()> on_overflow);

  /* Server thread (only it closes the socket). */
  bool connected () const { return fd_ >= 0; }
  size_t max_message () const { return max_message_; }
  /* Reads what the socket has (a few reads at most: level-triggered epoll
   * brings the rest) and tells @events. */
  void read (Events & events);
  /* Writes what waits; true when both close frames are exchanged and
   * everything is written: time to hang up. */
  bool flush ();
  /* Our close frame went unanswered for too long. */
  bool close_overdue (gint64 now) const
  {
    return fd_ >= 0 && close_deadline_us_ && now >= close_deadline_us_;
  }
  /* Closes the socket and lets the stream go. */
  void release ();

  /* Any thread, no lock: bytes waiting to be written (a moment ago). */
  size_t queued_bytes () const
  {
    return out_bytes_.load (std::memory_order_relaxed);
  }

  /* Guards the writing side: any thread writes frames. */
  std::mutex & write_lock () { return write_lock_; }

  /* With write_lock () held. */
  /* A whole frame, written at once when the socket takes it (without a
   * copy), else queued in order. False when the connection is closed, has
   * sent its close frame or overflowed. */
  bool write_frame_locked (uint8_t op, const void *data, size_t len,
      bool media);
  /* Writes what waits in the outbox. */
  void flush_locked ();
  /* Our close frame (once), after what was sent before; true when both
   * sides have closed and everything is written. */
  bool send_close_locked (const std::string & payload);
  /* Drops queued media frames (not one partly written); how many. */
  size_t drop_media_locked ();
  /* Leaves epoll, closes the socket, drops what waits. */
  void close_socket_locked ();
  /* Both close frames exchanged and everything written. */
  bool closed_both_ways_locked () const;

private:
  struct Outgoing
  {
    std::string bytes;          /* a whole frame */
    bool media;
  };

  void want_write_locked (bool want);
  /* The transport: recv () / sendmsg () on the socket, or the TLS
   * connection's pollable streams. POSIX conventions either way (-1 and
   * errno EAGAIN when it would block), so callers do not care which. */
  ssize_t receive (void *data, size_t len);
  ssize_t send_vector (struct iovec * iov, int n_iov);
  ssize_t tls_receive (void *data, size_t len);
  ssize_t tls_send_vector (struct iovec * iov, int n_iov);

  /* Server thread only. */
  std::unique_ptr<ws::Reader> reader_;
  std::vector<uint8_t> in_;     /* bytes read, not yet a whole message */
  size_t in_len_ = 0;
  size_t max_message_ = 0;
  bool close_received_ = false;
  gint64 close_deadline_us_ = 0;        /* close sent: drop the TCP by then */

  /* TLS only (owned by stream_): decrypted bytes in, plain bytes out.
   * Read on the I/O thread while another thread writes (under the write
   * lock, so one writer at a time): glib-networking 2.74 lets a read wait
   * only for another read and a write only for another write
   * (tls/base/gtlsconnection-base.c, claim_op), and GnuTLS allows one
   * thread sending and one receiving on a session (manual, "Thread
   * safety"). */
  GPollableInputStream *tls_in_ = nullptr;
  GPollableOutputStream *tls_out_ = nullptr;

  std::mutex write_lock_;
  GIOStream *stream_ = nullptr; /* what libsoup handed over; owns fd_ */
  GSocket *socket_ = nullptr;
  int fd_ = -1;                 /* closed by the server thread only */
  int epoll_fd_ = -1;
  void *epoll_tag_ = nullptr;
  size_t max_send_queue_ = 0;
  std::function<void ()> on_overflow_;
  bool close_sent_ = false;
  bool overflowed_ = false;
  bool write_armed_ = false;    /* EPOLLOUT wanted */
  std::deque<Outgoing> outbox_; /* frames the socket has not taken yet */
  size_t out_offset_ = 0;       /* bytes of outbox_.front () written */
  /* Bytes waiting in all: written under the lock, read by stats without. */
  std::atomic<size_t> out_bytes_ { 0 };
};

}  // namespace sessionctx
