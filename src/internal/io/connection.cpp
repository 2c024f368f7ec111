/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "io/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sessionctx {
namespace {

/* After our close frame, how long a client has to answer it before the
 * TCP connection is dropped. */
constexpr gint64 kCloseWaitUs = 2 * G_USEC_PER_SEC;
/* First size of a connection's read buffer; it grows to the largest
 * frame seen. */
constexpr size_t kReadBuffer = 4096;
/* Reads per connection and wakeup (level-triggered: the rest is read on
 * the next one), so one busy client cannot hold the thread. */
constexpr int kReadsPerWakeup = 4;

}  // namespace

Connection::~Connection ()
{
  if (stream_)
    g_object_unref (stream_);
}

bool
Connection::adopt (GIOStream * stream, GSocket * socket, GIOStream * tls,
    int epoll_fd,
    void *epoll_tag, size_t max_message, size_t max_send_queue,
    std::function<void ()> on_overflow)
{
  stream_ = stream;
  socket_ = socket;
  fd_ = g_socket_get_fd (socket);
  if (tls) {
    tls_in_ = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (tls));
    tls_out_ = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (tls));
  }
  epoll_fd_ = epoll_fd;
  epoll_tag_ = epoll_tag;
  max_message_ = max_message;
  max_send_queue_ = max_send_queue;
  on_overflow_ = std::move (on_overflow);
  reader_ = std::make_unique<ws::Reader> (max_message);
  in_.resize (kReadBuffer);
  /* Frames are small and latency matters. */
  int one = 1;
  setsockopt (fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct epoll_event ev = { };
  ev.events = EPOLLIN;
  ev.data.ptr = epoll_tag_;
  if (epoll_ctl (epoll_fd_, EPOLL_CTL_ADD, fd_, &ev) != 0) {
    fd_ = -1;
    return false;
  }
  return true;
}

void
Connection::read (Events & events)
{
  const size_t max_frame = max_message_ + 14;   /* + largest header */
  /* TLS holds decrypted bytes epoll cannot see: read it until it would
   * block. */
  for (int round = 0; (round < kReadsPerWakeup || tls_in_) && fd_ >= 0;
      round++) {
    size_t space = in_.size () - in_len_;
    ssize_t n = receive (in_.data () + in_len_, space);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (n <= 0) {
      events.on_lost (n == 0 ? "end of stream" : g_strerror (errno));
      return;
    }
    if (reader_->error_code () || close_received_) {
      in_len_ = 0;              /* after an error or a close: discarded */
      continue;
    }
    in_len_ += (size_t) n;
    size_t off = 0;
    while (fd_ >= 0 && !close_received_) {
      size_t used;
      ws::Message m;
      auto r = reader_->next (in_.data () + off, in_len_ - off, &used, &m);
      off += used;
      if (r == ws::Reader::kNeedMore)
        break;
      if (r == ws::Reader::kError) {
        events.on_protocol_error (reader_->error_code (),
            reader_->error_reason ());
        /* Failing the connection (RFC 6455 §7.1.7): end of stream right
         * after the close frame, rather than wait for an answer a broken
         * client may never send. */
        {
          std::lock_guard < std::mutex > lock (write_lock_);
          if (fd_ >= 0 && outbox_.empty ())
            shutdown (fd_, SHUT_WR);
        }
        in_len_ = 0;
        return;
      }
      switch (m.opcode) {
        case ws::kText:
        case ws::kBinary:
          events.on_message (m);
          break;
        case ws::kPing:{
          std::lock_guard < std::mutex > lock (write_lock_);
          write_frame_locked (ws::kPong, m.data.data (), m.data.size (),
              false);
          break;
        }
        case ws::kPong:
          break;
        case ws::kClose:
          close_received_ = true;
          events.on_close_frame (m);
          break;
      }
    }
    if (fd_ < 0)
      return;
    memmove (in_.data (), in_.data () + off, in_len_ - off);
    in_len_ -= off;
    /* Room for the whole of the next frame (the reader has checked its
     * size against max-message-size). */
    size_t need = ws::Reader::frame_size (in_.data (), in_len_);
    if (need > in_.size () && need <= max_frame)
      in_.resize (need);
    else if (in_len_ == in_.size ())
      in_.resize (MIN (in_.size () * 2, max_frame));
    if ((size_t) n < space && !tls_in_)
      return;                   /* the socket is drained */
  }
}

bool
Connection::flush ()
{
  std::lock_guard < std::mutex > lock (write_lock_);
  flush_locked ();
  return closed_both_ways_locked ();
}

void
Connection::release ()
{
  {
    std::lock_guard < std::mutex > lock (write_lock_);
    close_socket_locked ();
    tls_in_ = nullptr;
    tls_out_ = nullptr;
  }
  socket_ = nullptr;
  g_clear_object (&stream_);
}

bool
Connection::write_frame_locked (uint8_t op, const void *data, size_t len,
    bool media)
{
  if (fd_ < 0 || close_sent_ || overflowed_)
    return false;
  uint8_t header[ws::kMaxHeader];
  size_t hlen = ws::frame_header (op, len, header);
  size_t written = 0;
  if (outbox_.empty ()) {
    /* The common case: the socket takes the frame now, from this thread,
     * without a copy or a wakeup of the server thread. */
    struct iovec iov[2] = {
      {header, hlen},
      {const_cast<void *> (data), len},
    };
    ssize_t n = send_vector (iov, 2);
    if (n == (ssize_t) (hlen + len))
      return true;
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return false;           /* gone: the server thread will see it */
      n = 0;
    }
    written = (size_t) n;
  }
  Outgoing item;
  item.bytes.reserve (hlen + len);
  item.bytes.append (reinterpret_cast<const char *> (header), hlen);
  item.bytes.append (static_cast<const char *> (data), len);
  item.media = media;
  if (outbox_.empty ())
    out_offset_ = written;
  out_bytes_ += hlen + len - written;
  outbox_.push_back (std::move (item));
  want_write_locked (true);
  if (out_bytes_ > max_send_queue_) {
    overflowed_ = true;
    if (on_overflow_)
      on_overflow_ ();
  }
  return true;
}

void
Connection::flush_locked ()
{
  while (fd_ >= 0 && !outbox_.empty ()) {
    struct iovec iov[32];
    int n_iov = 0;
    for (auto it = outbox_.begin (); it != outbox_.end () && n_iov < 32;
        ++it, n_iov++) {
      size_t skip = n_iov == 0 ? out_offset_ : 0;
      iov[n_iov].iov_base = it->bytes.data () + skip;
      iov[n_iov].iov_len = it->bytes.size () - skip;
    }
    ssize_t n = send_vector (iov, n_iov);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        outbox_.clear ();       /* gone: reading will tell */
        out_offset_ = out_bytes_ = 0;
      }
      break;
    }
    out_bytes_ -= (size_t) n;
    size_t left = (size_t) n;
    while (left > 0) {
      size_t rest = outbox_.front ().bytes.size () - out_offset_;
      if (left < rest) {
        out_offset_ += left;
        break;
      }
      left -= rest;
      outbox_.pop_front ();
      out_offset_ = 0;
    }
  }
  want_write_locked (!outbox_.empty ());
}

bool
Connection::send_close_locked (const std::string & payload)
{
  if (!close_sent_) {
    write_frame_locked (ws::kClose, payload.data (), payload.size (), false);
    close_sent_ = true;
    close_deadline_us_ = g_get_monotonic_time () + kCloseWaitUs;
  }
  return closed_both_ways_locked ();
}

size_t
Connection::drop_media_locked ()
{
  /* Media the socket has not taken goes; a frame partly written stays
   * first (the client would see a broken frame otherwise), so out_offset_
   * still holds. */
  auto first = outbox_.begin () + (out_offset_ > 0 ? 1 : 0);
  const size_t before = outbox_.size ();
  outbox_.erase (std::remove_if (first, outbox_.end (),[](const Outgoing & o) {
            return o.media;}), outbox_.end ());
  size_t bytes = 0;
  for (auto & o : outbox_)
    bytes += o.bytes.size ();
  out_bytes_ = bytes - out_offset_;
  return before - outbox_.size ();
}

void
Connection::close_socket_locked ()
{
  if (fd_ >= 0) {
    /* Explicitly: libsoup's GSocket may share the file description. */
    epoll_ctl (epoll_fd_, EPOLL_CTL_DEL, fd_, nullptr);
    g_socket_close (socket_, nullptr);
    fd_ = -1;
  }
  outbox_.clear ();
  out_offset_ = out_bytes_ = 0;
}

bool
Connection::closed_both_ways_locked () const
{
  return close_sent_ && close_received_ && outbox_.empty ();
}

inline ssize_t
Connection::receive (void *data, size_t len)
{
  if (G_LIKELY (!tls_in_))
    return recv (fd_, data, len, MSG_DONTWAIT);
  return tls_receive (data, len);
}

inline ssize_t
Connection::send_vector (struct iovec *iov, int n_iov)
{
  if (G_LIKELY (!tls_out_)) {
    struct msghdr mh = { };
    mh.msg_iov = iov;
    mh.msg_iovlen = n_iov;
    return sendmsg (fd_, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  return tls_send_vector (iov, n_iov);
}

ssize_t
Connection::tls_receive (void *data, size_t len)
{
  GError *err = nullptr;
  gssize n = g_pollable_input_stream_read_nonblocking (tls_in_, data, len,
      nullptr, &err);
  if (n >= 0)
    return n;
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    errno = EAGAIN;
  else if (g_error_matches (err, G_TLS_ERROR, G_TLS_ERROR_EOF))
    n = 0;                      /* hung up without close_notify */
  else
    errno = EPROTO;             /* a TLS error, or the socket's */
  g_error_free (err);
  return n;
}

ssize_t
Connection::tls_send_vector (struct iovec *iov, int n_iov)
{
  /* A write that would block keeps what TLS already encrypted; the
   * outbox offers the same bytes first next time, as it must. */
  GOutputVector vectors[32];
  n_iov = MIN (n_iov, 32);
  for (int i = 0; i < n_iov; i++) {
    vectors[i].buffer = iov[i].iov_base;
    vectors[i].size = iov[i].iov_len;
  }
  gsize written = 0;
  GError *err = nullptr;
  GPollableReturn r = g_pollable_output_stream_writev_nonblocking (tls_out_,
      vectors, (gsize) n_iov, &written, nullptr, &err);
  if (r == G_POLLABLE_RETURN_OK)
    return (ssize_t) written;
  if (r == G_POLLABLE_RETURN_WOULD_BLOCK)
    errno = EAGAIN;
  else
    errno = EPIPE;
  g_clear_error (&err);
  return -1;
}

void
Connection::want_write_locked (bool want)
{
  if (want == write_armed_ || fd_ < 0)
    return;
  struct epoll_event ev = { };
  ev.events = want ? (uint32_t) (EPOLLIN | EPOLLOUT) : (uint32_t) EPOLLIN;
  ev.data.ptr = epoll_tag_;
  epoll_ctl (epoll_fd_, EPOLL_CTL_MOD, fd_, &ev);
  write_armed_ = want;
}

}  // namespace sessionctx
