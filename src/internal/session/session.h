/* One client's session: what it is (id, context, transport, dialect,
 * rates), its lifecycle (start, end, close, forget), its counters, and the
 * thread-safe API that sends to the client (sessionsink). A WebSocket
 * session speaks through its Connection; a WebRTC one through the
 * PeerLink its listener sets.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "http/access.h"
#include "io/connection.h"
#include "core/listener.h"
#include "core/metrics.h"
#include "core/videocounters.h"
#include "core/mediakind.h"
#include "core/peerlink.h"
#include "wire/protocol.h"
#include "core/serverconfig.h"

#include <gst/sessionctx/sessionctx.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sessionctx {

class Session;
struct IoThread;

/* The live sessions of one server by id: WebSocket sessions once started,
 * WebRTC sessions from their offer on. */
class SessionTable
{
public:
  /* The other instances of a cluster (cluster/clusterlink.h), when the
   * server has a directory: asked under the table's lock, so each call
   * takes at most a leaf lock of its own and never waits on the network. */
  class Peers
  {
  public:
    virtual ~Peers () = default;
    /* @id is live on another instance (as last seen). */
    virtual bool live_elsewhere (const std::string & id) = 0;
    /* @id was claimed here / left here. */
    virtual void claimed (const std::string & id) = 0;
    virtual void removed (const std::string & id) = 0;
  };

  enum class Claim
  {
    claimed,
    exists,                     /* the id is live */
    full,                       /* max-sessions are live */
    closed,                     /* the server drains: no new session */
  };
  /* Publishes @s under @id unless the table is closed, the id is live
   * (here, or on another instance as the peers know it) or @max (0: no
   * limit) sessions are. */
  Claim claim (const std::string & id, const std::shared_ptr<Session> & s,
      guint max);
  /* A drain: every claim from now on answers closed (the live sessions
   * stay). Once closed, the table only shrinks. */
  void close_to_new ();
  bool closed_to_new ();
  std::shared_ptr<Session> find (const std::string & id);
  /* Every live session with its id, in no order (a copy: read it without
   * the lock; the id is the table's, as a WebSocket session may be
   * claimed a moment before its own id () is set). */
  std::vector<std::pair<std::string, std::shared_ptr<Session>>> snapshot ();
  /* @s started (its remote address and media fixed): the peers write
   * its entry again at once (not at the next heartbeat), so a reader of
   * the directory finds the started session (claimed () again). */
  void started (const Session & s);
  /* Unpublishes @s (not another session that took its id since). */
  void remove (const Session & s);
  size_t size ();
  /* Before the server serves (not changed afterwards); NULL: none. */
  void set_peers (Peers * peers) { peers_ = peers; }

private:
  std::mutex lock_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;
  bool closed_ = false;
  Peers *peers_ = nullptr;
};

/* What a session needs of the server that serves it (Server implements
 * it: a session never sees the server). */
class SessionHost
{
public:
  virtual ~SessionHost () = default;
  virtual const ServerConfig & config () const = 0;
  virtual ServerListener *listener () const = 0;
  virtual SessionTable & sessions () = 0;
  virtual Metrics & metrics () = 0;
  virtual Access & access () = 0;
  /* A WebRTC session ended: its id answers connection_closed a while. */
  virtual void peer_ended (const std::string & id) = 0;
  /* A session leaves the table: begins before it is removed, ends once
   * the listener has heard of its end (Server: a drain is complete only
   * when no session is live and none is leaving). Any I/O thread. */
  virtual void session_leaving (bool begins) = 0;

  /* session_leaving () for a scope. */
  class Leaving
  {
  public:
    explicit Leaving (SessionHost & host) : host_ (host)
    {
      host_.session_leaving (true);
    }
    ~Leaving () { host_.session_leaving (false); }
    Leaving (const Leaving &) = delete;
    Leaving & operator= (const Leaving &) = delete;
  private:
    SessionHost & host_;
  };
};

class Session : public std::enable_shared_from_this<Session>
{
public:
  Session (SessionHost & host, IoThread & io, GstSessionTransport transport,
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
   * clear its buffer; a WebRTC peer drops the audio its send chain still
   * holds (PeerLink::drop_queued_audio). Counted (clear_count ()). */
  bool clear ();
  /* Clears of any session so far in the process: a sender notes it before
   * it waits for a buffer's time, and drops that buffer if its session was
   * cleared after (cleared_after ()): it was queued when the clear came. */
  static guint64 clear_count ();
  bool cleared_after (guint64 count) const
  {
    return last_clear_.load (std::memory_order_relaxed) > count;
  }
  /* WebRTC: 16-bit mono PCM at output_rate () for the peer, of media
   * time @media (the running time of its first sample; NONE: unknown). */
  bool send_pcm (const int16_t * pcm, size_t len,
      GstClockTime media = GST_CLOCK_TIME_NONE);
  /* WebRTC: one raw video frame (a sample, taken) to the peer, to be
   * encoded and sent on its video track; false when it does not receive
   * video. */
  bool send_video (GstSample * frame);
  /* Which kinds of media the client sends and receives (set before the
   * session starts: WebSocket clients audio both ways, a WebRTC peer what
   * its offer and the track factories allow). Any thread after start. */
  void set_media (unsigned sends, unsigned receives)
  {
    media_sends_ = sends;
    media_receives_ = receives;
  }
  bool sends (MediaKind kind) const
  {
    return media_sends_ & media_kind_bit (kind);
  }
  bool receives (MediaKind kind) const
  {
    return media_receives_ & media_kind_bit (kind);
  }
  /* Marks media activity (for idle-timeout); any thread. */
  void touch_media ()
  {
    last_media_us_.store (g_get_monotonic_time (), std::memory_order_relaxed);
  }
  void count_media (size_t bytes)
  {
    frames_.fetch_add (1, std::memory_order_relaxed);
    bytes_.fetch_add (bytes, std::memory_order_relaxed);
    metrics_.frame_received (bytes);
    touch_media ();
  }

  /* Any thread, no lock: what the stats property shows of a session. */
  struct Counters
  {
    bool started;
    gint64 started_real_us;     /* wall clock, 0 before start */
    guint64 frames_in, bytes_in, frames_out, bytes_out, frames_dropped;
    guint64 audio_dropped_ns, input_backlog_max_ns;
    size_t send_queue_bytes;
    gint64 last_media_age_us;   /* -1 before start */
  };
  Counters counters () const;
  /* Any thread: @ns of this session's input audio dropped for being older
   * than max-latency. TRUE the first time (warn once). */
  bool count_audio_dropped (guint64 ns);
  /* Any thread: @frames of this session's video dropped because what
   * takes them fell behind (its video pad's queue, a sessionbin
   * handler's video output stage), oldest first. */
  void count_video_dropped (guint64 frames = 1)
  {
    video_dropped_.fetch_add (frames, std::memory_order_relaxed);
  }
  guint64 video_frames_dropped () const
  {
    return video_dropped_.load (std::memory_order_relaxed);
  }
  /* Any thread: the oldest audio of the session's pad queue is @ns old. */
  void note_input_backlog (guint64 ns)
  {
    guint64 seen = input_backlog_max_ns_.load (std::memory_order_relaxed);
    while (ns > seen && !input_backlog_max_ns_.compare_exchange_weak (seen,
            ns, std::memory_order_relaxed)) {
    }
  }
  /* The server's counters. */
  Metrics & metrics () { return metrics_; }
  /* Started sessions: where the client connected from (fixed once
   * started, so readable then from any thread). */
  const std::string & remote () const { return remote_; }

  /* WebRTC: the peer's figures from webrtcbin's get-stats, cached by
   * whoever fetches them (negative: not known yet). Jitter and packets
   * lost are of the client's audio, and of its video apart. */
  struct PeerFigures
  {
    std::atomic<double> round_trip_s { -1 };
    std::atomic<double> jitter_s { -1 };
    std::atomic<gint64> packets_lost { -1 };
    std::atomic<double> video_jitter_s { -1 };
    std::atomic<gint64> video_packets_lost { -1 };
  };
  PeerFigures peer_figures;
  /* WebRTC video both ways (counted by the peer, any thread). */
  VideoCounters video;

  /* WebRTC sessions: how text and audio reach the peer (set by the
   * listener before the session starts, read only from then on). */
  std::shared_ptr<PeerLink> peer_link;

  std::unique_ptr<ListenerState> listener_state;

  /* The rest is for the server's rooms, on the session's thread unless
   * said otherwise. */
  IoThread & io () const { return io_; }
  Connection & connection () { return connection_; }
  /* Its id, or the remote address before start: for warnings and logs. */
  std::string who () const;
  bool started () const { return started_; }
  bool ended () const { return ended_; }
  bool closing () const { return closing_; }
  /* Why it was closing (when closing ()). */
  GstSessionEndReason close_reason () const { return close_reason_; }
  /* -1, or the Encoding of the client's binary media frames. */
  int binary_mode () const { return binary_.load (std::memory_order_relaxed); }

  /* WebSocket: serve @stream (after the upgrade) from the I/O thread's
   * epoll set; over @tls (a GTlsConnection inside @stream) when not NULL.
   * False when it could not join. */
  bool adopt_connection (GIOStream * stream, GSocket * socket,
      GIOStream * tls);
  /* The client's IP address (the forwarded one through a trusted proxy):
   * what max-sessions-per-address counts. Set before count_address (). */
  void set_address (std::string ip) { address_ = std::move (ip); }
  /* Counts the session for its address (once; released when it ends or
   * is abandoned). False when the address holds
   * max-sessions-per-address sessions already. */
  bool count_address ();
  /* Un-counts it (a start refused after counting). */
  void release_address ();
  /* WebSocket start: what the client said in it (may be NULL) joins the
   * request's metadata (start () does it too when given metadata). */
  void merge_metadata (GstStructure * metadata);
  /* A context with what is known now, as the session would get it with
   * @id, for the authorize signal (a new one: the session's own is made
   * when it starts). */
  GstSessionContext *context_for_authorize (const std::string & id) const;
  /* WebSocket start: @metadata (what the client said, may be NULL) joins
   * the request's. */
  void start (const std::string & id, Encoding encoding, int input_rate,
      int output_rate, GstStructure * metadata);
  /* The client asked for binary media: @answer and the switch at once. */
  void use_binary_media (Encoding encoding, const std::string & answer);
  /* WebRTC: reserved by an offer for @id, at 48 kHz both ways. */
  void reserve (const std::string & id);
  /* WebRTC: the peer connected from @remote_address ("": unknown). False
   * when the session already started or ended. */
  bool start_peer (const std::string & remote_address);
  /* The session ends once (unless it never started): unpublished, then the
   * listener is told. */
  void end (GstSessionEndReason reason);
  /* Ends with @reason and closes with @code (WebRTC: forgotten too). */
  void close (GstSessionEndReason reason, gushort code, const char *why);
  /* Our close frame (once); the TCP connection goes when both sides have
   * closed and everything is written, or after a while (close_overdue). */
  void send_close (const std::string & payload);
  /* The connection is gone: the session ends (as it was closing, else
   * disconnect) and is forgotten. */
  void drop_connection ();
  /* The client reads too slowly: warned, then dropped. */
  void drop_overflowed ();
  /* Writes @text to a connection that may not have started yet. */
  void reply (const std::string & text);
  /* A failed reply, after a warning (the first few per connection). */
  void reply_error (const char *code, const std::string & detail,
      long limit = -1);
  /* Whether a limit ends the session now, and why. */
  bool due (const ServerConfig & c, gint64 now,
      GstSessionEndReason * reason) const;
  /* Any thread: a WebRTC session whose offer failed goes without
   * session-ended. */
  void abandon ();
  /* Any thread: what processes the session's audio failed. It ends with
   * reason error; the client gets @code first (WebSocket: a failed reply,
   * then close 1011; WebRTC: FastRTC's error message on the data
   * channel). */
  void fail (const char *code);
  /* Any thread, by whoever sends the session's output back (sessionsink,
   * sessionbin): while held, a WebSocket session that ends with its client
   * still listening (stop, time-limit, idle) keeps taking what is sent to
   * it, and its close waits until every hold is released (or
   * kDrainWaitUs): the output of what the client sent last reaches it.
   * One release_output () per hold_output (). */
  void hold_output ();
  void release_output ();
  /* I/O thread: the drain is over (released, or overdue at @now). */
  bool drain_overdue (gint64 now) const
  {
    return draining_ && now >= drain_deadline_us_;
  }
  void finish_drain ();
  /* Off its I/O thread: now (may destroy the session), or outside of
   * whatever is iterating or emitting now. */
  void forget ();
  void forget_later ();

private:
  /* A frame for the client, unless the session has ended. */
  bool send_frame (uint8_t op, const void *data, size_t len, bool media);
  /* After a media write: counted as sent, or dropped. */
  bool count_sent (bool written, size_t bytes);
  void ensure_context ();
  void mark_started ();

  SessionHost & host_;
  IoThread & io_;               /* the thread that serves this session */
  GstSessionTransport transport_;
  GstSessionDialect dialect_;
  std::string remote_;
  std::string address_;         /* the client's IP (set_address) */
  bool address_counted_ = false;        /* I/O thread */
  GstStructure *request_metadata_;  /* query + headers, merged at start */

  std::string id_;
  GstSessionContext *context_ = nullptr;
  Encoding encoding_ = Encoding::mulaw;
  int input_rate_ = 0;
  int output_rate_ = 0;
  /* Binary media extension: -1, or the Encoding the client chose (written
   * by the server thread under the write lock, read by senders). */
  std::atomic<int> binary_ { -1 };
  /* MediaKind bits (set_media); WebSocket clients: audio both ways. */
  unsigned media_sends_ = media_kind_bit (MediaKind::audio);
  unsigned media_receives_ = media_kind_bit (MediaKind::audio);

  /* Server thread only. */
  bool started_ = false;
  bool ended_ = false;
  GstSessionEndReason close_reason_ = GST_SESSION_END_REASON_DISCONNECT;
  bool closing_ = false;
  bool draining_ = false;       /* ended, output still going out */
  gint64 drain_deadline_us_ = 0;
  std::string drain_close_;     /* the close frame's payload, for then */
  std::atomic<int> output_holds_ { 0 };
  gint64 opened_us_ = 0;
  gint64 started_us_ = 0;
  std::atomic<gint64> last_media_us_ { 0 };
  guint warnings_ = 0;

  std::atomic<bool> open_ { false };   /* written under the write lock */
  std::atomic<guint64> frames_ { 0 };
  std::atomic<guint64> bytes_ { 0 };
  std::atomic<guint64> frames_out_ { 0 };
  std::atomic<guint64> bytes_out_ { 0 };
  std::atomic<guint64> dropped_ { 0 };
  std::atomic<guint64> last_clear_ { 0 };      /* clear_count () at its last */
  std::atomic<guint64> audio_dropped_ns_ { 0 };
  std::atomic<guint64> video_dropped_ { 0 };
  std::atomic<guint64> input_backlog_max_ns_ { 0 };
  std::atomic<gint64> started_real_us_ { 0 };  /* released at start */
  std::atomic<gint64> ended_us_ { 0 };
  Metrics & metrics_;           /* the server's */

  Connection connection_;       /* WebSocket sessions */
  std::string media_prefix_;    /* set at start */
};

/* The Session a context came from (sessionsrc publishes it); nullptr when
 * the context was not made by this server code or the session is gone. */
std::shared_ptr<Session> session_from_context (GstSessionContext * context);

}  // namespace sessionctx
