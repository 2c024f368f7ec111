/* Test helpers: a real libsoup WebSocket client, tones, bus collection.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.hpp>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "wire/base64.h"
#include "wire/mulaw.h"
#include "probe_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace test {

/* g_assert_cmpstr on a temporary's c_str () would read freed memory. */
#define assert_str_eq(a, b) do {                                    \
    const std::string _a = (a), _b = (b);                           \
    g_assert_cmpstr (_a.c_str (), ==, _b.c_str ());                 \
  } while (0)

/* Iterates the default main context until @pred holds or @timeout_ms
 * passes. */
inline bool
wait_for (const std::function<bool ()> & pred, guint timeout_ms = 5000)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  while (!pred ()) {
    if (g_get_monotonic_time () > deadline)
      return false;
    if (!g_main_context_iteration (nullptr, FALSE))
      g_usleep (1000);
  }
  return true;
}

inline void
spin (guint ms)
{
  wait_for ([] {
        return false;
      }, ms);
}

/* A WebSocket client on the default main context (libsoup 3). */
class WsClient
{
public:
  WsClient () = default;
  WsClient (const WsClient &) = delete;
  ~WsClient ()
  {
    if (conn) {
      g_signal_handlers_disconnect_by_data (conn, this);
      g_object_unref (conn);
    }
    if (session)
      g_object_unref (session);
  }

  bool connect (guint port, const std::string & path_and_query)
  {
    session = soup_session_new ();
    std::string url = "ws://127.0.0.1:" + std::to_string (port) +
        path_and_query;
    SoupMessage *msg = soup_message_new ("GET", url.c_str ());
    bool done = false;
    struct Ctx
    {
      WsClient *self;
      bool *done;
    } ctx { this, &done };
    soup_session_websocket_connect_async (session, msg, nullptr, nullptr,
        G_PRIORITY_DEFAULT, nullptr,[](GObject * src, GAsyncResult * res,
            gpointer data) {
          auto *c = static_cast<Ctx *> (data);
          GError *err = nullptr;
          c->self->conn = soup_session_websocket_connect_finish
              (SOUP_SESSION (src), res, &err);
          if (err) {
            c->self->error = err->message;
            g_error_free (err);
          }
          *c->done = true;
        }, &ctx);
    g_object_unref (msg);
    wait_for ([&] {
          return done;
        }, 10000);
    if (!conn)
      return false;
    soup_websocket_connection_set_max_incoming_payload_size (conn, 0);
    g_signal_connect (conn, "message", G_CALLBACK (+[](SoupWebsocketConnection *,
                gint type, GBytes * bytes, gpointer data) {
              auto *self = static_cast<WsClient *> (data);
              gsize len;
              const char *d = (const char *) g_bytes_get_data (bytes, &len);
              self->messages.emplace_back (d, len);
              self->binary.push_back (type == SOUP_WEBSOCKET_DATA_BINARY);
              self->times_us.push_back (g_get_monotonic_time ());
            }), this);
    g_signal_connect (conn, "closed", G_CALLBACK (+[](SoupWebsocketConnection
                * c, gpointer data) {
              auto *self = static_cast<WsClient *> (data);
              self->closed = true;
              self->close_code = soup_websocket_connection_get_close_code (c);
            }), this);
    return true;
  }

  /* Sends only while OPEN: the server may have started closing. */
  void send (const std::string & text)
  {
    if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_send_text (conn, text.c_str ());
  }
  void send_binary (const std::string & data)
  {
    soup_websocket_connection_send_binary (conn, data.data (), data.size ());
  }
  void close (gushort code = SOUP_WEBSOCKET_CLOSE_NORMAL)
  {
    soup_websocket_connection_close (conn, code, nullptr);
  }
  bool wait_closed (guint ms = 5000)
  {
    return wait_for ([this] {
          return closed;
        }, ms);
  }
  /* Index of the first message containing @needle after @from, or -1. */
  int find (const std::string & needle, size_t from = 0) const
  {
    for (size_t i = from; i < messages.size (); i++)
      if (messages[i].find (needle) != std::string::npos)
        return (int) i;
    return -1;
  }
  bool wait_for_count (size_t n, guint ms = 5000)
  {
    return wait_for ([&] {
          return messages.size () >= n;
        }, ms);
  }
  bool wait_message (const std::string & needle, guint ms = 5000)
  {
    return wait_for ([&] {
          return find (needle) >= 0;
        }, ms);
  }

  SoupSession *session = nullptr;
  SoupWebsocketConnection *conn = nullptr;
  std::vector<std::string> messages;
  std::vector<bool> binary;     /* per message: a binary frame */
  std::vector<gint64> times_us; /* per message: when it arrived */
  bool closed = false;
  gushort close_code = 0;
  std::string error;
};

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

/* A sine tone, continuous across frames. */
class Tone
{
public:
  Tone (double freq, int rate, double amplitude = 8000):freq_ (freq),
      rate_ (rate), amp_ (amplitude) {}
  std::vector<int16_t> next (size_t n)
  {
    std::vector<int16_t> out (n);
    for (auto & s : out)
      s = (int16_t) std::lround (amp_ * std::sin (2 * M_PI * freq_ *
              (double) pos_++ / rate_));
    return out;
  }
  std::string next_mulaw (size_t n)
  {
    auto pcm = next (n);
    std::string out (n, '\0');
    sessionctx::mulaw_encode_block (pcm.data (), n, (uint8_t *) out.data ());
    return out;
  }
private:
  double freq_;
  int rate_;
  double amp_;
  guint64 pos_ = 0;
};

inline std::string
b64 (const std::string & raw)
{
  std::string out;
  sessionctx::base64_encode_append ((const uint8_t *) raw.data (), raw.size (),
      out);
  return out;
}

/* Frequency of a (roughly pure) tone from its zero crossings. */
inline double
estimate_frequency (const int16_t * s, size_t n, int rate)
{
  size_t crossings = 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i - 1] < 0) != (s[i] < 0))
      crossings++;
  return crossings * (double) rate / (2.0 * n);
}

inline std::string
fastrtc_start (const std::string & id)
{
  return "{\"event\":\"start\",\"websocket_id\":\"" + id + "\"}";
}

inline std::string
fastrtc_media (const std::string & mulaw)
{
  return "{\"event\":\"media\",\"media\":{\"payload\":\"" + b64 (mulaw) +
      "\"}}";
}

inline std::string
twilio_start (const std::string & sid, const std::string & custom =
    "{\"caller\":\"+15550001\",\"lang\":\"en\"}")
{
  return "{\"event\":\"start\",\"sequenceNumber\":\"1\",\"streamSid\":\"" + sid
      + "\",\"start\":{\"accountSid\":\"AC123\",\"streamSid\":\"" + sid +
      "\",\"callSid\":\"CA456\",\"tracks\":[\"inbound\"],\"customParameters\":"
      + custom + ",\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
      "\"sampleRate\":8000,\"channels\":1}}}";
}

inline std::string
twilio_media (const std::string & sid, int seq, const std::string & mulaw)
{
  return "{\"event\":\"media\",\"sequenceNumber\":\"" + std::to_string (seq) +
      "\",\"streamSid\":\"" + sid + "\",\"media\":{\"track\":\"inbound\","
      "\"chunk\":\"" + std::to_string (seq) + "\",\"timestamp\":\"" +
      std::to_string (seq * 20) + "\",\"payload\":\"" + b64 (mulaw) + "\"}}";
}

/* Collects element/warning/error messages from a pipeline's bus. */
class BusLog
{
public:
  explicit BusLog (GstElement * pipeline)
  {
    bus_ = gst_element_get_bus (pipeline);
    gst_bus_set_sync_handler (bus_,[](GstBus *, GstMessage * m,
            gpointer data)->GstBusSyncReply {
          auto *self = static_cast<BusLog *> (data);
          /* GST_BUS_DROP hands the message's reference to the handler.
           * Keep only what tests read: a kept state-changed message would
           * keep its source element (and its threads) alive. */
          const auto kept = GST_MESSAGE_ELEMENT | GST_MESSAGE_WARNING |
              GST_MESSAGE_ERROR | GST_MESSAGE_EOS;
          if (!(GST_MESSAGE_TYPE (m) & kept)) {
            gst_message_unref (m);
            return GST_BUS_DROP;
          }
          std::lock_guard < std::mutex > l (self->lock_);
          self->messages_.push_back (m);
          self->times_us_.push_back (g_get_monotonic_time ());
          return GST_BUS_DROP;
        }, this, nullptr);
  }
  ~BusLog ()
  {
    gst_bus_set_sync_handler (bus_, nullptr, nullptr, nullptr);
    gst_object_unref (bus_);
    for (auto *m : messages_)
      gst_message_unref (m);
  }
  /* Structures of element messages named @name (copies). */
  std::vector<GstStructure *> elements (const char *name)
  {
    std::vector<GstStructure *> out;
    std::lock_guard < std::mutex > l (lock_);
    for (auto *m : messages_) {
      const GstStructure *s = gst_message_get_structure (m);
      if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT && s &&
          gst_structure_has_name (s, name))
        out.push_back (gst_structure_copy (s));
    }
    return out;
  }
  size_t count_elements (const char *name)
  {
    auto v = elements (name);
    for (auto *s : v)
      gst_structure_free (s);
    return v.size ();
  }
  /* Warnings whose details carry session-id/error fields: "id|code". */
  std::vector<std::string> warnings ()
  {
    std::vector<std::string> out;
    std::lock_guard < std::mutex > l (lock_);
    for (auto *m : messages_) {
      if (GST_MESSAGE_TYPE (m) != GST_MESSAGE_WARNING)
        continue;
      const GstStructure *d = nullptr;
      gst_message_parse_warning_details (m, &d);
      GError *err = nullptr;
      gst_message_parse_warning (m, &err, nullptr);
      std::string line = err ? err->message : "";
      if (d && gst_structure_get_string (d, "error"))
        line = std::string (gst_structure_get_string (d, "session-id")) +
            "|" + gst_structure_get_string (d, "error");
      g_clear_error (&err);
      out.push_back (line);
    }
    return out;
  }
  bool has_warning (const std::string & text)
  {
    for (auto & w : warnings ())
      if (w.find (text) != std::string::npos)
        return true;
    return false;
  }
  size_t count_type (GstMessageType type)
  {
    std::lock_guard < std::mutex > l (lock_);
    size_t n = 0;
    for (auto *m : messages_)
      n += GST_MESSAGE_TYPE (m) == type;
    return n;
  }
  /* When (monotonic µs) the first element message @name of session @id
   * was posted, or -1. */
  gint64 time_of (const char *name, const std::string & id)
  {
    std::lock_guard < std::mutex > l (lock_);
    for (size_t i = 0; i < messages_.size (); i++) {
      const GstStructure *s = gst_message_get_structure (messages_[i]);
      if (GST_MESSAGE_TYPE (messages_[i]) == GST_MESSAGE_ELEMENT && s &&
          gst_structure_has_name (s, name) && g_strcmp0 (id.c_str (),
              gst_structure_get_string (s, "session-id")) == 0)
        return times_us_[i];
    }
    return -1;
  }
  /* The reason nick of the session-ended message for @id, or "". */
  std::string ended_reason (const std::string & id)
  {
    std::string r;
    for (auto *s : elements ("session-ended")) {
      if (id == gst_structure_get_string (s, "session-id"))
        r = gst_structure_get_string (s, "reason-name");
      gst_structure_free (s);
    }
    return r;
  }
private:
  GstBus *bus_;
  std::mutex lock_;
  std::vector<GstMessage *> messages_;
  std::vector<gint64> times_us_;        /* per message: when posted */
};

/* The server checks its timeouts (time-limit, idle-timeout,
 * connect-timeout, peer-timeout) on a tick of 1 s: a session ends at the
 * first tick at or after its deadline, so up to a tick late. The slack is
 * for a loaded machine; a doubled timeout of 2 s or more still falls
 * outside. */
constexpr gint64 kTimeoutTickMs = 1000;
constexpr gint64 kTimeoutSlackMs = 500;

/* Asserts that session @id's session-ended came @timeout_s after @from_us
 * (a time at or before the server started counting), within the tick;
 * @counted_by_us is a time at or after it (default: @from_us). */
inline void
assert_ended_in_window (BusLog & bus, const std::string & id, gint64 from_us,
    guint timeout_s, gint64 counted_by_us = 0)
{
  gint64 ended = bus.time_of ("session-ended", id);
  g_assert_cmpint (ended, >, 0);
  if (!counted_by_us)
    counted_by_us = from_us;
  g_assert_cmpint (counted_by_us, >=, from_us);
  const gint64 early_ms = (ended - from_us) / 1000;
  const gint64 late_ms = (ended - counted_by_us) / 1000;
  g_test_message ("%s ended %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
      " ms after its clock started (timeout %u s)", id.c_str (), late_ms,
      early_ms, timeout_s);
  /* Never early (50 ms: the two clocks are read a little apart). */
  g_assert_cmpint (early_ms, >=, (gint64) timeout_s * 1000 - 50);
  g_assert_cmpint (late_ms, <=, (gint64) timeout_s * 1000 + kTimeoutTickMs +
      kTimeoutSlackMs);
}

/* What a probe on a sink's pad saw: per session, buffers in order, those
 * of buffer lists included (for_each_buffer). On the pad of an element
 * without a chain_list function GstPad would also show a list's buffers
 * once more, one by one: attach it to sinks. */
struct Capture
{
  struct Session
  {
    std::vector<int16_t> samples;
    std::vector<std::pair<size_t, size_t>> buffers;  /* offset, length */
    int start_events = 0;
    int end_events = 0;
    bool buffer_before_start = false;
    bool buffer_after_end = false;
    std::vector<std::string> dtmf;
  };
  std::mutex lock;
  std::map<std::string, Session> sessions;
  size_t buffers_without_context = 0;

  void attach (GstPad * pad)
  {
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM,
        [](GstPad * pad, GstPadProbeInfo * info, gpointer data) {
          static_cast<Capture *> (data)->on_data (pad, info);
          return GST_PAD_PROBE_OK;
        }, this, nullptr);
  }

  /* With the lock held. */
  void on_buffer (GstPad * pad, GstBuffer * buf)
  {
    auto ctx = gst::session::current (pad, buf);
    if (!ctx) {
      buffers_without_context++;
      return;
    }
    Session & s = sessions[ctx.id ()];
    if (!s.start_events)
      s.buffer_before_start = true;
    if (s.end_events)
      s.buffer_after_end = true;
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_READ);
    auto *p = (const int16_t *) map.data;
    s.buffers.emplace_back (s.samples.size (), map.size / 2);
    s.samples.insert (s.samples.end (), p, p + map.size / 2);
    gst_buffer_unmap (buf, &map);
  }

  void on_data (GstPad * pad, GstPadProbeInfo * info)
  {
    std::lock_guard < std::mutex > l (lock);
    if (for_each_buffer (info,[&](GstBuffer * buf) {
          on_buffer (pad, buf);
        }))
      return;
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    GstSessionContext *ctx = nullptr;
    gchar *digit = nullptr;
    if (gst_event_parse_session_start (ev, &ctx)) {
      sessions[gst_session_context_get_id (ctx)].start_events++;
    } else if (gst_event_parse_session_end (ev, &ctx, nullptr)) {
      sessions[gst_session_context_get_id (ctx)].end_events++;
    } else if (gst_event_parse_session_dtmf (ev, &ctx, &digit)) {
      sessions[gst_session_context_get_id (ctx)].dtmf.push_back (digit);
      g_free (digit);
    }
    if (ctx)
      g_object_unref (ctx);
  }

  /* A copy of every sample of session @id so far. */
  std::vector<int16_t> samples_copy (const std::string & id)
  {
    std::lock_guard < std::mutex > l (lock);
    auto it = sessions.find (id);
    return it == sessions.end ()? std::vector<int16_t> () :
        it->second.samples;
  }
  size_t samples_of (const std::string & id)
  {
    std::lock_guard < std::mutex > l (lock);
    auto it = sessions.find (id);
    return it == sessions.end ()? 0 : it->second.samples.size ();
  }
};

/* Entries of a /proc directory: open fds, threads. */
inline size_t
count_entries (const char *path)
{
  size_t n = 0;
  if (GDir * dir = g_dir_open (path, 0, nullptr)) {
    while (g_dir_read_name (dir))
      n++;
    g_dir_close (dir);
  }
  return n;
}

/* Voluntary context switches of each of this process's threads named
 * @name (one per wakeup of a thread blocked in poll), by thread id. */
inline std::map<std::string, long>
thread_wakeups (const char *name)
{
  std::map<std::string, long> out;
  GDir *dir = g_dir_open ("/proc/self/task", 0, nullptr);
  while (const char *tid = dir ? g_dir_read_name (dir) : nullptr) {
    std::string base = std::string ("/proc/self/task/") + tid;
    gchar *comm = nullptr, *status = nullptr;
    if (g_file_get_contents ((base + "/comm").c_str (), &comm, nullptr,
            nullptr) && g_str_equal (g_strstrip (comm), name) &&
        g_file_get_contents ((base + "/status").c_str (), &status, nullptr,
            nullptr)) {
      const char *v = strstr (status, "voluntary_ctxt_switches:");
      out[tid] = v ? atol (v + strlen ("voluntary_ctxt_switches:")) : 0;
    }
    g_free (comm);
    g_free (status);
  }
  if (dir)
    g_dir_close (dir);
  return out;
}

/* How many threads named @name woke at least @min times between two
 * thread_wakeups () snapshots. */
inline int
threads_that_worked (const std::map<std::string, long> & before,
    const std::map<std::string, long> & after, long min)
{
  int n = 0;
  for (auto &[tid, count] : after) {
    auto it = before.find (tid);
    if (count - (it == before.end ()? 0 : it->second) >= min)
      n++;
  }
  return n;
}

inline guint
get_port (GstElement * src)
{
  guint port = 0;
  g_object_get (src, "port", &port, NULL);
  return port;
}

/* A running pipeline around "sessionsrc name=src": its bus log, the
 * element named "sink" if any, and a capture probe on the element named
 * "cap" if any. */
struct LivePipeline
{
  explicit LivePipeline (const std::string & desc)
  {
    GError *err = nullptr;
    pipeline = gst_parse_launch (desc.c_str (), &err);
    g_assert_no_error (err);
    if (!GST_IS_PIPELINE (pipeline)) {
      GstElement *bin = gst_pipeline_new (nullptr);
      gst_bin_add (GST_BIN (bin), pipeline);
      pipeline = bin;
    }
    src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
    if (GstElement * cap = gst_bin_get_by_name (GST_BIN (pipeline), "cap")) {
      GstPad *pad = gst_element_get_static_pad (cap, "sink");
      capture.attach (pad);
      gst_object_unref (pad);
      gst_object_unref (cap);
    }
    bus = std::make_unique<BusLog> (pipeline);
  }
  LivePipeline (const LivePipeline &) = delete;
  virtual ~LivePipeline ()
  {
    gst_element_set_state (pipeline, GST_STATE_NULL);
    bus.reset ();
    if (sink)
      gst_object_unref (sink);
    gst_object_unref (src);
    gst_object_unref (pipeline);
  }
  void play ()
  {
    g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
        GST_STATE_CHANGE_FAILURE);
    g_assert_cmpuint (port (), >, 0);
  }
  /* The bound port while running (re-read: it changes on restart). */
  guint port () { return get_port (src); }
  guint n_sessions ()
  {
    guint n = 0;
    g_object_get (src, "n-sessions", &n, NULL);
    return n;
  }
  bool wait_started (size_t n, guint ms = 10000)
  {
    return wait_for ([&] {
          return bus->count_elements ("session-started") >= n;
        }, ms);
  }
  bool wait_ended (size_t n, guint ms = 5000)
  {
    return wait_for ([&] {
          return bus->count_elements ("session-ended") >= n;
        }, ms);
  }

  GstElement *pipeline = nullptr;
  GstElement *src = nullptr;
  GstElement *sink = nullptr;
  Capture capture;
  std::unique_ptr<BusLog> bus;
};

}  // namespace test
