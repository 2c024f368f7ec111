/* The shared WebSocket server: one libsoup SoupServer per address/port on
 * its own thread and GMainContext, shared by sessionsrc (which receives) and
 * sessionsink (which sends back) through a process-wide registry.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "protocol.h"
#include "websocket.h"

#include <gst/sessionctx/sessionctx.h>
#include <gio/gio.h>
#include <libsoup/soup.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sessionctx {

struct ServerConfig
{
  std::string address = "0.0.0.0";
  guint port = 0;               /* 0: pick a free port */
  std::string name;             /* optional registry name */
  guint max_sessions = 0;       /* 0: unlimited */
  guint time_limit = 0;         /* seconds, 0: none */
  guint idle_timeout = 0;       /* seconds without media, 0: none */
  guint64 max_message_size = 0; /* bytes per WebSocket message, 0: 128 KiB */
  int websocket_input_rate = 48000;
  int websocket_output_rate = 24000;
  bool websocket = true;        /* mount /websocket/offer, /telephone/handler */
  bool webrtc = true;           /* mount /webrtc/offer */
  guint connect_timeout = 30;   /* seconds for a WebRTC peer to connect */
  guint peer_timeout = 10;      /* seconds without RTP: the peer is gone */
  guint io_threads = 1;         /* I/O threads sharing the port */
  size_t max_send_queue = 4 << 20;      /* bytes a client has not read */
};

class Session;

/* Receives what clients send. Every callback runs on the server thread. */
class ServerListener
{
public:
  virtual ~ServerListener () = default;
  virtual void on_session_started (const std::shared_ptr<Session> & s) = 0;
  /* @data is encoded as @encoding at s.input_rate (): s.encoding () for
   * JSON media, the client's choice for binary frames. */
  virtual void on_session_media (Session & s, Encoding encoding,
      const uint8_t * data, size_t len) = 0;
  virtual void on_session_dtmf (Session & s, const std::string & digit) = 0;
  virtual void on_session_mark (Session & s, const std::string & name) = 0;
  virtual void on_session_message (Session & s, const std::string & json) = 0;
  virtual void on_session_ended (Session & s, GstSessionEndReason reason) = 0;
  /* A WebRTC offer for a new, reserved session. @reply (HTTP status, JSON
   * body) must be called exactly once, from any thread. */
  virtual void on_webrtc_offer (const std::shared_ptr<Session> & s,
      const std::string & sdp,
      std::function<void (guint status, std::string body)> reply) = 0;
  /* A trickled candidate ("" = end of candidates) for @s. */
  virtual void on_webrtc_candidate (Session & s, int mline_index,
      const std::string & candidate) = 0;
  /* @who names the session (its id, or the remote address before start). */
  virtual void on_protocol_warning (const std::string & who,
      const char *code, const std::string & detail) = 0;
};

/* Per-session state a listener keeps on the session (server thread only). */
struct ListenerState
{
  virtual ~ListenerState () = default;
};

class Server;

/* One I/O thread: its own GMainContext, SoupServer and listening socket
 * (several share the port with SO_REUSEPORT; the kernel spreads new
 * connections), and the connections it accepted. libsoup parses HTTP and
 * the WebSocket handshake; then the connection leaves libsoup for the
 * thread's epoll set, which the GMainContext polls as one fd: a wakeup
 * costs what is ready, not what is open (a GSource per connection made
 * every poll O(connections)). */
struct IoThread
{
  Server *server = nullptr;
  guint index = 0;
  GMainContext *context = nullptr;
  GMainLoop *loop = nullptr;
  GThread *thread = nullptr;
  SoupServer *soup = nullptr;
  GSocket *socket = nullptr;
  int epoll_fd = -1;
  GSource *epoll_source = nullptr;
  /* This thread only: every open WebSocket and WebRTC session it serves. */
  std::unordered_map<Session *, std::shared_ptr<Session>> connections;

  GMutex startup_mutex;
  GCond startup_cond;
  bool startup_done = false;
  GError *startup_error = nullptr;

  IoThread ();
  ~IoThread ();
  void invoke (GSourceFunc func, gpointer data, GDestroyNotify notify);
  void invoke (std::function<void ()> func);
};

class Session : public std::enable_shared_from_this<Session>
{
public:
  Session (Server & server, IoThread & io, GstSessionTransport transport,
      GstSessionDialect dialect, std::string remote,
      GstStructure * request_metadata);
  ~Session ();
  Session (const Session &) = delete;
  Session & operator= (const Session &) = delete;

  /* Valid once started (set before the session is published). */
  const std::string & id () const { return id_; }
  GstSessionContext *context () const { return context_; }
  GstSessionDialect dialect () const { return dialect_; }
  GstSessionTransport transport () const { return transport_; }
  Server & server () const { return server_; }
  Encoding encoding () const { return encoding_; }
  int input_rate () const { return input_rate_; }
  int output_rate () const { return output_rate_; }
  bool is_open () const { return open_.load (std::memory_order_acquire); }
  GstSessionStats stats () const;

  /* Thread-safe; written to the socket at once (what the socket does not
   * take waits, in order, for the server thread). False when the session
   * has ended. */
  /* Audio at output_rate () as one media message: JSON with base64 µ-law,
   * or a binary frame once the client chose binary_media. */
  bool send_audio (const int16_t * pcm, size_t n);
  bool send_text (std::string text);
  bool send_mark (const std::string & name);
  /* Drops media queued but not yet written and tells a Twilio client to
   * clear its buffer. */
  bool clear ();
  /* WebRTC: 16-bit mono PCM at output_rate () for the peer. */
  bool send_pcm (const int16_t * pcm, size_t len);
  /* Marks media activity (for idle-timeout); any thread. */
  void touch_media ()
  {
    last_media_us_.store (g_get_monotonic_time (), std::memory_order_relaxed);
  }
  void count_media (size_t bytes)
  {
    frames_.fetch_add (1, std::memory_order_relaxed);
    bytes_.fetch_add (bytes, std::memory_order_relaxed);
    touch_media ();
  }

  /* WebRTC sessions: how text and audio reach the peer (set by the
   * listener before the session starts). */
  std::function<bool (const std::string &)> text_sender;
  std::function<bool (const int16_t *, size_t)> pcm_sender;

  std::unique_ptr<ListenerState> listener_state;

private:
  friend class Server;
  struct Outgoing
  {
    std::string bytes;          /* a whole frame */
    bool media;
  };

  /* A frame for the client, unless the session has ended. */
  bool send_frame (uint8_t op, const void *data, size_t len, bool media);
  /* The same for any open connection (replies before start, close); with
   * outbox_lock_ held. */
  bool write_frame_locked (uint8_t op, const void *data, size_t len,
      bool media);
  /* Writes what waits in the outbox; with outbox_lock_ held. */
  void flush_locked ();
  void want_write_locked (bool want);
  /* Leaves epoll, closes the socket, drops what waits. */
  void close_socket_locked ();
  /* Both close frames exchanged and everything written: time to hang up. */
  bool closed_both_ways_locked () const;

  Server & server_;
  IoThread & io_;               /* the thread that serves this session */
  GstSessionTransport transport_;
  GstSessionDialect dialect_;
  std::string remote_;
  GstStructure *request_metadata_;  /* query + headers, merged at start */

  std::string id_;
  GstSessionContext *context_ = nullptr;
  Encoding encoding_ = Encoding::mulaw;
  int input_rate_ = 0;
  int output_rate_ = 0;
  /* Binary media extension: -1, or the Encoding the client chose (written
   * by the server thread under outbox_lock_, read by senders). */
  std::atomic<int> binary_ { -1 };

  /* Server thread only. */
  std::unique_ptr<ws::Reader> reader_;  /* WebSocket connections */
  std::vector<uint8_t> in_;     /* bytes read, not yet a whole message */
  size_t in_len_ = 0;
  bool close_received_ = false;
  gint64 close_deadline_us_ = 0;        /* close sent: drop the TCP by then */
  bool started_ = false;
  bool ended_ = false;
  GstSessionEndReason close_reason_ = GST_SESSION_END_REASON_DISCONNECT;
  bool closing_ = false;
  gint64 opened_us_ = 0;
  gint64 started_us_ = 0;
  std::atomic<gint64> last_media_us_ { 0 };
  guint warnings_ = 0;

  std::atomic<bool> open_ { false };
  std::atomic<guint64> frames_ { 0 };
  std::atomic<guint64> bytes_ { 0 };
  std::atomic<gint64> ended_us_ { 0 };

  /* Guards the socket's writing side: any thread writes frames. */
  std::mutex outbox_lock_;
  GIOStream *stream_ = nullptr; /* what libsoup handed over; owns fd_ */
  GSocket *socket_ = nullptr;
  int fd_ = -1;                 /* closed by the server thread only */
  bool close_sent_ = false;
  bool overflowed_ = false;
  bool write_armed_ = false;    /* EPOLLOUT wanted */
  std::deque<Outgoing> outbox_; /* frames the socket has not taken yet */
  size_t out_offset_ = 0;       /* bytes of outbox_.front () written */
  size_t out_bytes_ = 0;        /* bytes waiting in all */
  std::string media_prefix_;    /* set at start */
};

/* The Session a context came from (sessionsrc publishes it); nullptr when
 * the context was not made by this server code or the session is gone. */
std::shared_ptr<Session> session_from_context (GstSessionContext * context);

class Server : public std::enable_shared_from_this<Server>
{
public:
  /* Binds, starts the server thread and registers the server. */
  static std::shared_ptr<Server> start (const ServerConfig & config,
      ServerListener * listener, GError ** error);
  /* Ends every session (reason shutdown), closes sockets with 1001, stops
   * the thread and unregisters. Blocking; call from an application thread. */
  void stop ();

  /* Registry: by name when @name is non-empty, else by port. */
  static std::shared_ptr<Server> lookup (const std::string & name,
      guint port);
  /* A live session with @id on any registered server. */
  static std::shared_ptr<Session> find_session_anywhere (const std::string &
      id);

  ~Server ();
  guint port () const { return bound_port_; }
  const ServerConfig & config () const { return config_; }
  std::shared_ptr<Session> find_session (const std::string & id);
  size_t n_sessions ();

  /* WebRTC sessions, from any thread: the peer connected (publish the
   * session with the selected pair's remote address), or ended. */
  void start_session (const std::shared_ptr<Session> & s,
      const std::string & remote_address);
  void end_session_async (const std::shared_ptr<Session> & s,
      GstSessionEndReason reason);
  /* Ends @s with reason error, from any thread; a WebSocket client gets
   * the failed reply @code first, then close 1011. */
  void fail_session_async (const std::shared_ptr<Session> & s,
      const char *code);
  /* A WebRTC session whose offer failed: forget it, no session-ended. */
  void abandon_session (const std::shared_ptr<Session> & s);

private:
  friend class Session;
  Server (const ServerConfig & config, ServerListener * listener);
  bool bind_and_run (GError ** error);
  void thread_main (IoThread & io);
  void shutdown_connections (IoThread & io);

  static void on_websocket_request (SoupServer * soup,
      SoupServerMessage * msg, const char *path, GHashTable * query,
      gpointer user_data);
  static void on_websocket_upgraded (SoupServerMessage * msg,
      gpointer user_data);
  static gboolean on_epoll (gint fd, GIOCondition cond, gpointer user_data);
  static gboolean on_tick (gpointer user_data);
  void read_socket (Session & s);
  void handle_frame (Session & s, const ws::Message & m);
  void drop_connection (Session & s);
  void drop_overflowed (Session & s);
  /* Writes @text to a connection that may not have started yet. */
  void reply (Session & s, const std::string & text);
  static void on_http_offer (SoupServer * soup, SoupServerMessage * msg,
      const char *path, GHashTable * query, gpointer user_data);
  void handle_offer (IoThread & io, SoupServerMessage * msg,
      SignalRequest & req);
  void handle_candidate (SoupServerMessage * msg,
      SignalRequest & req);
  void ensure_context (Session & s);

  void handle_text (Session & s, const char *data, size_t len);
  void handle_binary (Session & s, const uint8_t * data, size_t len);
  void deliver_media (Session & s, Encoding encoding, const uint8_t * data,
      size_t len);
  void handle_start (Session & s, ClientMessage & msg);
  void reply_error (Session & s, const char *code, const std::string & detail,
      long limit = -1);
  void close_session (Session & s, GstSessionEndReason reason,
      gushort code, const char *why);
  void send_close (Session & s, const std::string & payload);
  void end_session (Session & s, GstSessionEndReason reason);
  void forget (Session & s);
  void forget_later (Session & s);
  std::string who (const Session & s) const;

  ServerConfig config_;
  ServerListener *listener_;
  guint bound_port_ = 0;

  std::vector<std::unique_ptr<IoThread>> io_;

  std::mutex sessions_lock_;    /* guards sessions_ */
  /* Live sessions by id: WebSocket sessions once started, WebRTC sessions
   * from their offer on. */
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;

  /* Candidates that came before their offer, and ids of WebRTC sessions
   * that ended recently (connection_closed); signalling may come in on any
   * I/O thread. */
  std::mutex signal_lock_;      /* guards held_ and recently_closed_ */
  struct HeldCandidate
  {
    int mline_index;
    std::string candidate;
    gint64 received_us;
  };
  std::unordered_map<std::string, std::vector<HeldCandidate>> held_;
  std::unordered_map<std::string, gint64> recently_closed_;
};

}  // namespace sessionctx
