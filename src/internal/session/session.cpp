/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session/session.h"

#include "wire/base64.h"
#include "io/iothread.h"
#include "wire/mulaw.h"
#include "core/serverdebug.h"
#include "wire/logsafe.h"

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {
namespace {

/* Warnings per connection before the rest are only logged. */
constexpr guint kMaxWarningsPerConnection = 20;
/* Default max-message-size (libsoup's default). */
constexpr size_t kDefaultMaxMessage = 128 * 1024;
/* The longest a session's close waits for its output (hold_output). */
constexpr gint64 kDrainWaitUs = 2 * G_USEC_PER_SEC;

/* Contexts lead back to their Session through qdata (a weak reference, so a
 * context kept alive downstream never keeps a session alive). */
GQuark
session_quark ()
{
  static GQuark q = g_quark_from_static_string ("gst-sessionctx-session");
  return q;
}

void
free_weak_session (gpointer data)
{
  delete static_cast<std::weak_ptr<Session> *> (data);
}

}  // namespace

/* ------------------------------------------------------------------ */
/* SessionTable                                                        */

SessionTable::Claim
SessionTable::claim (const std::string & id,
    const std::shared_ptr<Session> & s, guint max)
{
  std::lock_guard < std::mutex > lock (lock_);
  if (closed_)
    return Claim::closed;
  if (sessions_.count (id) || (peers_ && peers_->live_elsewhere (id)))
    return Claim::exists;
  if (max > 0 && sessions_.size () >= max)
    return Claim::full;
  sessions_.emplace (id, s);
  if (peers_)
    peers_->claimed (id);
  return Claim::claimed;
}

void
SessionTable::close_to_new ()
{
  std::lock_guard < std::mutex > lock (lock_);
  closed_ = true;
}

bool
SessionTable::closed_to_new ()
{
  std::lock_guard < std::mutex > lock (lock_);
  return closed_;
}

std::shared_ptr<Session>
SessionTable::find (const std::string & id)
{
  std::lock_guard < std::mutex > lock (lock_);
  auto it = sessions_.find (id);
  return it == sessions_.end ()? nullptr : it->second;
}

void
SessionTable::started (const Session & s)
{
  std::lock_guard < std::mutex > lock (lock_);
  auto it = sessions_.find (s.id ());
  if (peers_ && it != sessions_.end () && it->second.get () == &s)
    peers_->claimed (s.id ());
}

void
SessionTable::remove (const Session & s)
{
  std::lock_guard < std::mutex > lock (lock_);
  auto it = sessions_.find (s.id ());
  if (it != sessions_.end () && it->second.get () == &s) {
    sessions_.erase (it);
    if (peers_)
      peers_->removed (s.id ());
  }
}

std::vector<std::pair<std::string, std::shared_ptr<Session>>>
SessionTable::snapshot ()
{
  std::vector<std::pair<std::string, std::shared_ptr<Session>>> all;
  std::lock_guard < std::mutex > lock (lock_);
  all.reserve (sessions_.size ());
  for (auto &[id, s] : sessions_)
    all.emplace_back (id, s);
  return all;
}

size_t
SessionTable::size ()
{
  std::lock_guard < std::mutex > lock (lock_);
  return sessions_.size ();
}

/* ------------------------------------------------------------------ */
/* Session: what it is, and sending                                    */

Session::Session (SessionHost & host, IoThread & io,
    GstSessionTransport transport, GstSessionDialect dialect,
    std::string remote, GstStructure * request_metadata)
    : video (host.metrics ()), host_ (host), io_ (io), transport_ (transport),
    dialect_ (dialect), remote_ (std::move (remote)),
    request_metadata_ (request_metadata), metrics_ (host.metrics ())
{
  opened_us_ = g_get_monotonic_time ();
}

Session::~Session ()
{
  if (context_)
    g_object_unref (context_);
  if (request_metadata_)
    gst_structure_free (request_metadata_);
}

GstSessionStats
Session::stats () const
{
  GstSessionStats st;
  st.frames = frames_.load ();
  st.bytes = bytes_.load ();
  gint64 end = ended_us_.load ();
  if (!end)
    end = g_get_monotonic_time ();
  st.duration = started_us_ ? (end - started_us_) * GST_USECOND : 0;
  return st;
}

Session::Counters
Session::counters () const
{
  Counters c;
  c.started_real_us = started_real_us_.load (std::memory_order_acquire);
  c.started = c.started_real_us != 0;
  c.frames_in = frames_.load (std::memory_order_relaxed);
  c.bytes_in = bytes_.load (std::memory_order_relaxed);
  c.frames_out = frames_out_.load (std::memory_order_relaxed);
  c.bytes_out = bytes_out_.load (std::memory_order_relaxed);
  c.frames_dropped = dropped_.load (std::memory_order_relaxed);
  c.audio_dropped_ns = audio_dropped_ns_.load (std::memory_order_relaxed);
  c.input_backlog_max_ns =
      input_backlog_max_ns_.load (std::memory_order_relaxed);
  c.send_queue_bytes = connection_.queued_bytes ();
  c.last_media_age_us = c.started ? g_get_monotonic_time () -
      last_media_us_.load (std::memory_order_relaxed) : -1;
  return c;
}

bool
Session::count_audio_dropped (guint64 ns)
{
  metrics_.audio_dropped (ns);
  return audio_dropped_ns_.fetch_add (ns, std::memory_order_relaxed) == 0;
}

bool
Session::count_sent (bool written, size_t bytes)
{
  if (written) {
    frames_out_.fetch_add (1, std::memory_order_relaxed);
    bytes_out_.fetch_add (bytes, std::memory_order_relaxed);
    metrics_.frame_sent (bytes);
  } else {
    dropped_.fetch_add (1, std::memory_order_relaxed);
    metrics_.frames_dropped (1);
  }
  return written;
}

bool
Session::send_frame (uint8_t op, const void *data, size_t len, bool media)
{
  std::lock_guard < std::mutex > lock (connection_.write_lock ());
  if (!is_open ())
    return false;
  return connection_.write_frame_locked (op, data, len, media);
}

bool
Session::send_audio (const int16_t * pcm, size_t n)
{
  /* One buffer per sending thread, reused: no allocation per frame. */
  thread_local std::string text;
  thread_local std::vector<uint8_t> bytes;
  for (;;) {
    /* Encoded outside the lock; written only if the client did not switch
     * to or between binary encodings meanwhile, so that nothing encoded
     * the old way follows the binary_media answer. */
    const int mode = binary_.load (std::memory_order_acquire);
    const void *data;
    size_t len;
    uint8_t op = ws::kBinary;
    if (mode == (int) Encoding::s16le && G_BYTE_ORDER == G_LITTLE_ENDIAN) {
      data = pcm;
      len = n * 2;
    } else if (mode == (int) Encoding::s16le) {
      bytes.resize (n * 2);
      for (size_t i = 0; i < n; i++)
        GST_WRITE_UINT16_LE (bytes.data () + 2 * i, (uint16_t) pcm[i]);
      data = bytes.data ();
      len = n * 2;
    } else {
      bytes.resize (n);
      mulaw_encode_block (pcm, n, bytes.data ());
      data = bytes.data ();
      len = n;
      if (mode < 0) {
        text.assign (media_prefix_);
        base64_encode_append (bytes.data (), n, text);
        text += kMediaMessageSuffix;
        op = ws::kText;
        data = text.data ();
        len = text.size ();
      }
    }
    std::lock_guard < std::mutex > lock (connection_.write_lock ());
    if (!is_open ())
      return false;
    if (binary_.load (std::memory_order_relaxed) != mode)
      continue;
    return count_sent (connection_.write_frame_locked (op, data, len, true),
        len);
  }
}

bool
Session::send_text (std::string text)
{
  if (transport_ == GST_SESSION_TRANSPORT_WEBRTC)
    return is_open () && peer_link && peer_link->send_text (text);
  return send_frame (ws::kText, text.data (), text.size (), false);
}

bool
Session::send_pcm (const int16_t * pcm, size_t len, GstClockTime media)
{
  if (!is_open () || !peer_link)
    return false;
  return count_sent (peer_link->send_audio (pcm, len, media),
      len * sizeof (int16_t));
}

bool
Session::send_video (GstSample * frame)
{
  if (!is_open () || !peer_link || !receives (MediaKind::video)) {
    gst_sample_unref (frame);
    return false;
  }
  return peer_link->send_video (frame);
}

bool
Session::send_mark (const std::string & name)
{
  std::string text = mark_message (dialect_, id_, name);
  return send_frame (ws::kText, text.data (), text.size (), false);
}

/* Every session's clears, counted: clear_count (). */
static std::atomic<guint64> clears_in_process { 0 };

guint64
Session::clear_count ()
{
  return clears_in_process.load (std::memory_order_relaxed);
}

bool
Session::clear ()
{
  last_clear_.store (clears_in_process.fetch_add (1,
          std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (transport_ == GST_SESSION_TRANSPORT_WEBRTC) {
    if (!is_open ())
      return false;
    if (peer_link)
      peer_link->drop_queued_audio ();
    return true;
  }
  std::lock_guard < std::mutex > lock (connection_.write_lock ());
  if (!is_open ())
    return false;
  if (size_t dropped = connection_.drop_media_locked ()) {
    dropped_.fetch_add (dropped, std::memory_order_relaxed);
    metrics_.frames_dropped (dropped);
  }
  if (dialect_ == GST_SESSION_DIALECT_TWILIO) {
    std::string text = clear_message (dialect_, id_);
    return connection_.write_frame_locked (ws::kText, text.data (),
        text.size (), false);
  }
  return true;
}

std::shared_ptr<Session>
session_from_context (GstSessionContext * context)
{
  if (!context)
    return nullptr;
  auto *weak = static_cast<std::weak_ptr<Session> *> (g_object_get_qdata
      (G_OBJECT (context), session_quark ()));
  return weak ? weak->lock () : nullptr;
}

/* ------------------------------------------------------------------ */
/* Session: lifecycle (server thread)                                  */

std::string
Session::who () const
{
  if (started_)
    return id_;
  return "(no session yet, " + remote_ + ")";
}

bool
Session::adopt_connection (GIOStream * stream, GSocket * socket,
    GIOStream * tls)
{
  const ServerConfig & c = host_.config ();
  return connection_.adopt (stream, socket, tls, io_.epoll_fd, this,
      c.max_message_size ? c.max_message_size : kDefaultMaxMessage,
      c.max_send_queue,[this] {
        io_.invoke ([weak = weak_from_this ()] {
              if (auto s = weak.lock ())
                s->drop_overflowed ();
            });
      });
}

/* The context of the session: id, transport, dialect, remote address, and
 * the request metadata (with what the client said, for Twilio). */
void
Session::ensure_context ()
{
  if (context_)
    return;
  context_ = gst_session_context_new (id_.c_str (), transport_, dialect_,
      remote_.empty ()? nullptr : remote_.c_str (),
      gst_structure_copy (request_metadata_));
  g_object_set_qdata_full (G_OBJECT (context_), session_quark (),
      new std::weak_ptr<Session> (weak_from_this ()), free_weak_session);
}

void
Session::mark_started ()
{
  ensure_context ();
  started_ = true;
  started_us_ = last_media_us_ = g_get_monotonic_time ();
  metrics_.session_started (transport_, dialect_);
  if (transport_ == GST_SESSION_TRANSPORT_WEBRTC)
    metrics_.webrtc_setup.observe ((started_us_ - opened_us_) / 1e6);
  started_real_us_.store (g_get_real_time (), std::memory_order_release);
  host_.sessions ().started (*this);
  open_.store (true, std::memory_order_release);
}

void
Session::merge_metadata (GstStructure * metadata)
{
  if (!metadata)
    return;
  /* What the client said in start joins the request facts. */
  gst_structure_foreach (request_metadata_, [](GQuark field,
          const GValue * value, gpointer data)->gboolean {
        gst_structure_id_set_value (static_cast<GstStructure *> (data),
            field, value);
        return TRUE;
      }, metadata);
  gst_structure_free (request_metadata_);
  request_metadata_ = metadata;
}

GstSessionContext *
Session::context_for_authorize (const std::string & id) const
{
  return gst_session_context_new (id.c_str (), transport_, dialect_,
      remote_.empty ()? nullptr : remote_.c_str (),
      gst_structure_copy (request_metadata_));
}

bool
Session::count_address ()
{
  if (address_counted_)
    return true;
  Access & access = host_.access ();
  if (!access.max_per_address ())
    return true;
  address_counted_ = access.addresses ().acquire (address_,
      access.max_per_address ());
  return address_counted_;
}

void
Session::release_address ()
{
  if (!address_counted_)
    return;
  address_counted_ = false;
  host_.access ().addresses ().release (address_);
}

void
Session::start (const std::string & id, Encoding encoding, int input_rate,
    int output_rate, GstStructure * metadata)
{
  id_ = id;
  encoding_ = encoding;
  input_rate_ = input_rate;
  output_rate_ = output_rate;
  merge_metadata (metadata);
  media_prefix_ = media_message_prefix (dialect_, id_);
  mark_started ();
  GST_INFO ("session %s started (%s) from %s", log_safe (id_).c_str (),
      gst_session_dialect_to_string (dialect_), remote_.c_str ());
}

void
Session::use_binary_media (Encoding encoding, const std::string & answer)
{
  /* The answer and the switch under one lock: every media frame written
   * after the answer is binary (see send_audio). */
  std::lock_guard < std::mutex > lock (connection_.write_lock ());
  binary_.store ((int) encoding, std::memory_order_release);
  connection_.write_frame_locked (ws::kText, answer.data (), answer.size (),
      false);
}

void
Session::reserve (const std::string & id)
{
  id_ = id;
  input_rate_ = output_rate_ = 48000;
}

bool
Session::start_peer (const std::string & remote_address)
{
  if (ended_ || started_)
    return false;
  if (!remote_address.empty ())
    remote_ = remote_address;
  mark_started ();
  GST_INFO ("session %s started (webrtc) from %s", log_safe (id_).c_str (),
      remote_.c_str ());
  return true;
}

void
Session::end (GstSessionEndReason reason)
{
  /* A WebSocket is a session from its start; a WebRTC peer from its offer
   * (a peer that never connects still ends, e.g. connect-timeout). */
  if (ended_ || (!started_ && transport_ != GST_SESSION_TRANSPORT_WEBRTC))
    return;
  ended_ = true;
  /* Until the listener has heard of it (a drain completes after). */
  SessionHost::Leaving leaving (host_);
  ensure_context ();
  if (transport_ == GST_SESSION_TRANSPORT_WEBRTC)
    host_.peer_ended (id_);
  ended_us_ = g_get_monotonic_time ();
  /* The client still listens: what it sent last may still come back. */
  const bool listening = reason == GST_SESSION_END_REASON_STOP ||
      reason == GST_SESSION_END_REASON_TIME_LIMIT ||
      reason == GST_SESSION_END_REASON_IDLE;
  if (transport_ == GST_SESSION_TRANSPORT_WEBSOCKET && listening &&
      output_holds_.load () > 0) {
    draining_ = true;
    drain_deadline_us_ = ended_us_ + kDrainWaitUs;
  } else {
    std::lock_guard < std::mutex > lock (connection_.write_lock ());
    open_.store (false, std::memory_order_release);
  }
  host_.sessions ().remove (*this);
  release_address ();
  metrics_.session_ended (transport_, dialect_, reason, started_);
  GST_INFO ("session %s ended: %s", log_safe (id_).c_str (),
      gst_session_end_reason_to_string (reason));
  if (ServerListener * listener = host_.listener ())
    listener->on_session_ended (*this, reason);
}

void
Session::close (GstSessionEndReason reason, gushort code, const char *why)
{
  if (!closing_) {
    closing_ = true;
    close_reason_ = reason;
  }
  end (reason);
  if (draining_) {
    drain_close_ = ws::close_payload (code, why ? why : "");
    return;
  }
  send_close (ws::close_payload (code, why ? why : ""));
  if (transport_ == GST_SESSION_TRANSPORT_WEBRTC)
    forget_later ();
}

void
Session::hold_output ()
{
  output_holds_.fetch_add (1);
}

void
Session::release_output ()
{
  if (output_holds_.fetch_sub (1) == 1)
    io_.invoke ([weak = weak_from_this ()] {
          if (auto self = weak.lock ())
            self->finish_drain ();
        });
}

void
Session::finish_drain ()
{
  if (!draining_)
    return;
  draining_ = false;
  {
    std::lock_guard < std::mutex > lock (connection_.write_lock ());
    open_.store (false, std::memory_order_release);
  }
  send_close (drain_close_.empty ()? ws::close_payload (ws::kCloseNormal,
          gst_session_end_reason_to_string (close_reason_)) : drain_close_);
}

void
Session::send_close (const std::string & payload)
{
  bool done;
  {
    std::lock_guard < std::mutex > lock (connection_.write_lock ());
    if (!connection_.connected ())
      return;
    done = connection_.send_close_locked (payload);
  }
  if (done)
    drop_connection ();
}

/* Closes the socket; the session, if it was one, ends. */
void
Session::drop_connection ()
{
  {
    std::lock_guard < std::mutex > lock (connection_.write_lock ());
    if (!connection_.connected ())
      return;
    connection_.close_socket_locked ();
  }
  end (closing_ ? close_reason_ : GST_SESSION_END_REASON_DISCONNECT);
  forget_later ();
}

void
Session::drop_overflowed ()
{
  if (!connection_.connected ())
    return;
  if (ServerListener * listener = host_.listener ())
    listener->on_protocol_warning (who (), error::send_buffer_full,
        "the client does not read what is sent to it (over " +
        std::to_string (host_.config ().max_send_queue) + " bytes waiting): "
        "disconnected");
  if (!closing_) {
    closing_ = true;
    close_reason_ = GST_SESSION_END_REASON_ERROR;
  }
  drop_connection ();
}

void
Session::reply (const std::string & text)
{
  std::lock_guard < std::mutex > lock (connection_.write_lock ());
  connection_.write_frame_locked (ws::kText, text.data (), text.size (),
      false);
}

void
Session::reply_error (const char *code, const std::string & detail,
    long limit)
{
  /* Warn first: whoever sees the reply can rely on the warning. */
  if (++warnings_ <= kMaxWarningsPerConnection) {
    std::string text = detail;
    if (warnings_ == kMaxWarningsPerConnection)
      text += " (further warnings for this connection are only logged)";
    if (ServerListener * listener = host_.listener ())
      listener->on_protocol_warning (who (), code, text);
  } else {
    metrics_.protocol_error (code);   /* the listener counts the others */
    GST_DEBUG ("%s: %s: %s", log_safe (who ()).c_str (), code,
        log_safe (detail, 200).c_str ());
  }
  reply (failed_reply (code, limit));
}

bool
Session::due (const ServerConfig & c, gint64 now,
    GstSessionEndReason * reason) const
{
  const gint64 second = G_USEC_PER_SEC;
  if (closing_ || ended_)
    return false;
  bool rtc = transport_ == GST_SESSION_TRANSPORT_WEBRTC;
  if (rtc && !started_) {
    if (now - opened_us_ < (gint64) c.connect_timeout * second)
      return false;
    *reason = GST_SESSION_END_REASON_CONNECT_TIMEOUT;
  } else if (rtc && now - last_media_us_.load () >=
      (gint64) c.peer_timeout * second) {
    *reason = GST_SESSION_END_REASON_DISCONNECT;
  } else if (!rtc && !started_ && c.handshake_timeout &&
      now - opened_us_ >= (gint64) c.handshake_timeout * second) {
    /* Upgraded, but no start came: not a session, only a socket held. */
    *reason = GST_SESSION_END_REASON_CONNECT_TIMEOUT;
  } else if (c.time_limit && started_ &&
      now - started_us_ >= (gint64) c.time_limit * second) {
    *reason = GST_SESSION_END_REASON_TIME_LIMIT;
  } else if (c.idle_timeout && now - (started_ ? last_media_us_.load ()
          : opened_us_) >= (gint64) c.idle_timeout * second) {
    *reason = GST_SESSION_END_REASON_IDLE;
  } else {
    return false;
  }
  return true;
}

void
Session::abandon ()
{
  io_.invoke ([self = shared_from_this ()] {
        if (self->ended_)
          return;
        self->ended_ = true;
        SessionHost::Leaving leaving (self->host_);
        self->host_.sessions ().remove (*self);
        self->release_address ();
        self->forget_later ();
      });
}

void
Session::fail (const char *code)
{
  io_.invoke ([self = shared_from_this (), code] {
        if (self->ended_)
          return;
        if (self->transport_ == GST_SESSION_TRANSPORT_WEBSOCKET)
          self->reply (failed_reply (code, -1));
        else
          self->send_text (std::string ("{\"type\":\"error\",\"message\":\"")
              + code + "\"}");
        self->close (GST_SESSION_END_REASON_ERROR, ws::kCloseInternalError,
            code);
      });
}

void
Session::forget ()
{
  connection_.release ();
  io_.connections.erase (this); /* may destroy this */
}

void
Session::forget_later ()
{
  auto *ref = new std::weak_ptr<Session> (weak_from_this ());
  GSource *idle = g_idle_source_new ();
  g_source_set_callback (idle, [](gpointer data)->gboolean {
        auto *weak = static_cast<std::weak_ptr<Session> *> (data);
        if (auto session = weak->lock ())
          session->forget ();
        return G_SOURCE_REMOVE;
      }, ref, free_weak_session);
  g_source_attach (idle, io_.context);
  g_source_unref (idle);
}

}  // namespace sessionctx
