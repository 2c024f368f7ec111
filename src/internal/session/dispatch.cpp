/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session/dispatch.h"
#include "io/threadpolicy.h"

#include "core/serverdebug.h"
#include "wire/logsafe.h"

#define GST_CAT_DEFAULT sessionctx_server_debug

namespace sessionctx {

/* What one session's connection read, for one read (). */
class WebSocketDispatch::Reading : public Connection::Events
{
public:
  Reading (WebSocketDispatch & dispatch, Session & s)
      : dispatch_ (dispatch), s_ (s)
  {
  }

  void on_message (const ws::Message & m) override
  {
    if (s_.closing ())
      return;
    if (m.opcode == ws::kText)
      dispatch_.handle_text (s_, m.data.data (), m.data.size ());
    else
      dispatch_.handle_binary (s_,
          reinterpret_cast<const uint8_t *> (m.data.data ()), m.data.size ());
  }

  void on_close_frame (const ws::Message & m) override
  {
    GST_DEBUG ("%s closed the connection (code %u)", log_safe (s_.who ()).c_str (),
        m.close_code);
    s_.end (s_.closing () ? s_.close_reason () :
        GST_SESSION_END_REASON_DISCONNECT);
    /* Echo the code (RFC 6455 §5.5.1), unless ours went first. */
    s_.send_close (m.close_code == ws::kCloseNoStatus ? "" :
        ws::close_payload (m.close_code, ""));
  }

  void on_lost (const char *why) override
  {
    GST_DEBUG ("connection of %s lost (%s)", log_safe (s_.who ()).c_str (), why);
    s_.drop_connection ();
  }

  void on_protocol_error (uint16_t code, const char *reason) override
  {
    GST_DEBUG ("%s: WebSocket protocol error: %s", log_safe (s_.who ()).c_str (),
        reason);
    if (code == ws::kCloseTooBig && dispatch_.listener_)
      dispatch_.listener_->on_protocol_warning (s_.who (),
          error::message_too_big, "message larger than max-message-size (" +
          std::to_string (s_.connection ().max_message ()) + " bytes)");
    s_.close (GST_SESSION_END_REASON_ERROR, code, reason);
  }

private:
  WebSocketDispatch & dispatch_;
  Session & s_;
};

void
WebSocketDispatch::read (Session & s)
{
  Reading reading (*this, s);
  s.connection ().read (reading);
}

/* A start while the server drains: a failed reply `draining`, counted
 * (no warning: nothing is wrong with the client), then close 1001 "going
 * away" — what RFC 6455 names for a server going down, and what the live
 * sessions get at drain-timeout. Not 1013 "try again later" (exact, but
 * libsoup clients treat 1012-2999 as a protocol error) nor 1008, which
 * says the client broke a policy. */
void
WebSocketDispatch::refuse_draining (Session & s)
{
  s.metrics ().protocol_error (error::draining);
  s.reply (failed_reply (error::draining));
  s.close (GST_SESSION_END_REASON_ERROR, ws::kCloseGoingAway,
      error::draining);
}

void
WebSocketDispatch::handle_start (Session & s, ClientMessage & msg)
{
  if (s.started ()) {
    s.reply_error (error::already_started, "second start for session " +
        s.id () + " ignored");
    return;
  }
  auto self_ref = s.shared_from_this ();
  if (sessions_.closed_to_new ()) {
    refuse_draining (s);
    return;
  }
  /* Access (access.h): the application's say, then the address's share.
   * Refused here, the connection never was a session. */
  s.merge_metadata (msg.metadata.release ());
  if (listener_ && !listener_->authorize (s, msg.session_id)) {
    /* (The detail names no client-sent id: who () names the connection.) */
    s.reply_error (error::unauthorized, "start refused by the authorize "
        "signal");
    s.close (GST_SESSION_END_REASON_ERROR, ws::kClosePolicyViolation,
        "unauthorized");
    return;
  }
  if (!s.count_address ()) {
    s.reply_error (error::address_limit_reached, "start refused: its "
        "address holds max-sessions-per-address (" +
        std::to_string (config_.max_sessions_per_address) + ") sessions",
        config_.max_sessions_per_address);
    s.close (GST_SESSION_END_REASON_ERROR, ws::kClosePolicyViolation,
        "address_limit_reached");
    return;
  }
  switch (sessions_.claim (msg.session_id, self_ref, config_.max_sessions)) {
    case SessionTable::Claim::closed:     /* the drain began meanwhile */
      s.release_address ();
      refuse_draining (s);
      return;
    case SessionTable::Claim::exists:
      s.release_address ();
      s.reply_error (error::connection_already_exists, "session id " +
          msg.session_id + " is already live");
      s.close (GST_SESSION_END_REASON_ERROR, ws::kClosePolicyViolation,
          "connection_already_exists");
      return;
    case SessionTable::Claim::full:
      s.release_address ();
      s.reply_error (error::concurrency_limit_reached, "session " +
          msg.session_id + " refused: max-sessions (" +
          std::to_string (config_.max_sessions) + ") reached",
          config_.max_sessions);
      /* 1008, not 1013 "try again later": libsoup clients treat codes
       * 1012-2999 as a protocol error. */
      s.close (GST_SESSION_END_REASON_ERROR, ws::kClosePolicyViolation,
          "concurrency_limit_reached");
      return;
    case SessionTable::Claim::claimed:
      break;
  }

  if (s.dialect () == GST_SESSION_DIALECT_TWILIO)
    s.start (msg.session_id, msg.encoding,
        msg.sample_rate ? msg.sample_rate : 8000, 8000, nullptr);
  else
    s.start (msg.session_id, msg.encoding, config_.websocket_input_rate,
        config_.websocket_output_rate, nullptr);
  if (listener_) {
    /* A handler it builds (sessionbin) starts its threads with the
     * default policy, not the I/O thread's SCHED_BATCH: GStreamer's task
     * threads come from GLib's pool, which does not inherit it, but an
     * element that makes its own thread (g_thread_new) would. */
    NormalPolicy normal;
    listener_->on_session_started (self_ref);
  }
}

/* Audio from the client, as @encoding at the session's input rate. */
void
WebSocketDispatch::deliver_media (Session & s, Encoding encoding,
    const uint8_t * data, size_t len)
{
  if (encoding != Encoding::mulaw && len % 2) {
    s.reply_error (error::invalid_payload_length, "16-bit payload of " +
        std::to_string (len) + " bytes (odd) dropped");
    return;
  }
  s.count_media (len);
  if (listener_)
    listener_->on_session_media (s, encoding, data, len);
}

/* Binary media extension: raw audio, once the client asked for it. */
void
WebSocketDispatch::handle_binary (Session & s, const uint8_t * data,
    size_t len)
{
  const int mode = s.binary_mode ();
  if (s.ended ())
    return;                     /* draining its output: nothing more in */
  if (!s.started () || mode < 0) {
    s.reply_error (error::binary_not_supported, "binary WebSocket frames "
        "need {\"event\":\"binary_media\"} after start; send JSON text "
        "frames");
    return;
  }
  if (len == 0) {
    s.reply_error (error::empty_payload, "empty binary media frame");
    return;
  }
  deliver_media (s, (Encoding) mode, data, len);
}

void
WebSocketDispatch::handle_text (Session & s, const char *data, size_t len)
{
  if (s.ended ())
    return;                     /* draining its output: nothing more in */
  ClientMessage msg = parse_client_message (s.dialect (), data, len);
  switch (msg.kind) {
    case MessageKind::invalid:
      s.reply_error (msg.error, msg.detail);
      /* Without a valid start the connection cannot become a session. */
      if (!s.started () && (is_error (msg, error::invalid_session_id) ||
              is_error (msg, error::unsupported_media_format)))
        s.close (GST_SESSION_END_REASON_ERROR, ws::kClosePolicyViolation,
            msg.error);
      break;
    case MessageKind::start:
      handle_start (s, msg);
      break;
    case MessageKind::media:
      if (!s.started ()) {
        s.reply_error (error::not_started, "media before start");
        break;
      }
      deliver_media (s, s.encoding (), msg.payload.data (),
          msg.payload.size ());
      break;
    case MessageKind::binary_media:
      if (!s.started ()) {
        s.reply_error (error::not_started, "binary_media before start");
        break;
      }
      s.use_binary_media (msg.encoding, binary_media_message (msg.encoding,
              s.input_rate (), s.output_rate ()));
      GST_DEBUG ("session %s: binary media frames (%s)", log_safe (s.id ()).c_str (),
          binary_encoding_name (msg.encoding));
      break;
    case MessageKind::stop:
      s.close (GST_SESSION_END_REASON_STOP, ws::kCloseNormal, "stop");
      break;
    case MessageKind::ping:
      s.reply (pong_message ());
      break;
    case MessageKind::connected:
      break;
    case MessageKind::dtmf:
    case MessageKind::mark:
    case MessageKind::application:
      if (!s.started ()) {
        s.reply_error (error::not_started, "message before start");
        break;
      }
      if (!listener_)
        break;
      if (msg.kind == MessageKind::dtmf)
        listener_->on_session_dtmf (s, msg.text);
      else if (msg.kind == MessageKind::mark)
        listener_->on_session_mark (s, msg.text);
      else
        listener_->on_session_message (s, std::string (data, len));
      break;
  }
}

}  // namespace sessionctx
