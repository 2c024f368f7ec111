/* The server properties of sessionsrc.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "properties/serverproperties.h"
#include "properties/properties.h"

#include <gst/gst.h>

#define GST_TYPE_SESSION_SRC_TRANSPORTS (gst_session_src_transports_get_type ())
static GType
gst_session_src_transports_get_type (void)
{
  static gsize id = 0;
  static const GFlagsValue values[] = {
    {1, "WebSocket (/websocket/offer, /telephone/handler)", "websocket"},
    {2, "WebRTC (/webrtc/offer)", "webrtc"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&id))
    g_once_init_leave (&id, g_flags_register_static ("GstSessionSrcTransports",
            values));
  return id;
}

guint
server_properties_install (GObjectClass * klass, guint first_prop_id)
{
  const auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY);
  auto install =[&](ServerProperty property, GParamSpec * spec) {
    g_object_class_install_property (klass, first_prop_id + property, spec);
  };

  /**
   * GstSessionSrc:port:
   *
   * TCP port to listen on; 0 picks a free one. While the element is PAUSED
   * or PLAYING, reading it returns the port actually bound.
   */
  install (SERVER_PROP_PORT,
      g_param_spec_uint ("port", "Port",
          "TCP port to listen on (0 = pick a free one; reads back the bound "
          "port while running)", 0, 65535, kDefaultPort, rw));
  /**
   * GstSessionSrc:address:
   *
   * Local address to listen on.
   */
  install (SERVER_PROP_ADDRESS,
      g_param_spec_string ("address", "Address",
          "Local address to listen on", kDefaultAddress, rw));
  /**
   * GstSessionSrc:server-name:
   *
   * Optional name under which a `sessionsink` can find this server (else it
   * finds it by port, or through each buffer's context).
   */
  install (SERVER_PROP_SERVER_NAME,
      g_param_spec_string ("server-name", "Server name",
          "Name a sessionsink can use to find this server (optional)", NULL,
          rw));
  /**
   * GstSessionSrc:max-sessions:
   *
   * Most concurrent sessions (FastRTC's `concurrency_limit`); a `start`
   * beyond it is answered `concurrency_limit_reached` with the `limit` and
   * closed with code 1008. 0 means unlimited.
   */
  install (SERVER_PROP_MAX_SESSIONS,
      g_param_spec_uint ("max-sessions", "Max sessions",
          "Most concurrent sessions, 0 = unlimited (FastRTC "
          "concurrency_limit)", 0, G_MAXUINT, 0, rw));
  /**
   * GstSessionSrc:time-limit:
   *
   * Seconds a session may last before it is ended with reason `time-limit`
   * (FastRTC `time_limit`). 0 means no limit.
   */
  install (SERVER_PROP_TIME_LIMIT,
      g_param_spec_uint ("time-limit", "Time limit",
          "Seconds a session may last, 0 = no limit", 0, G_MAXUINT, 0, rw));
  /**
   * GstSessionSrc:idle-timeout:
   *
   * Seconds without media (or, before `start`, without a start) after which
   * a connection is closed with reason `idle`. 0 means never.
   */
  install (SERVER_PROP_IDLE_TIMEOUT,
      g_param_spec_uint ("idle-timeout", "Idle timeout",
          "Seconds without media before a session is closed, 0 = never", 0,
          G_MAXUINT, 0, rw));
  /**
   * GstSessionSrc:max-message-size:
   *
   * Largest WebSocket message accepted, in bytes; a larger one closes the
   * connection with code 1009 (reason `error`).
   */
  install (SERVER_PROP_MAX_MESSAGE_SIZE,
      g_param_spec_uint ("max-message-size", "Max message size",
          "Largest WebSocket message accepted in bytes (larger closes the "
          "connection with 1009)", 256, G_MAXINT, kDefaultMaxMessageSize, rw));
  /**
   * GstSessionSrc:websocket-input-rate:
   *
   * Sample rate of the µ-law FastRTC WebSocket clients send (FastRTC does
   * not resample: it is the handler's input rate, 48000 by default).
   * Twilio sessions use their `mediaFormat` (8000).
   */
  install (SERVER_PROP_WEBSOCKET_INPUT_RATE,
      g_param_spec_int ("websocket-input-rate", "WebSocket input rate",
          "Sample rate of FastRTC clients' µ-law", 8000, 192000,
          kDefaultInputRate, rw));
  /**
   * GstSessionSrc:websocket-output-rate:
   *
   * Sample rate `sessionsink` sends to FastRTC WebSocket clients (FastRTC's
   * default 24000). Twilio sessions always get 8000.
   */
  install (SERVER_PROP_WEBSOCKET_OUTPUT_RATE,
      g_param_spec_int ("websocket-output-rate", "WebSocket output rate",
          "Sample rate sent back to FastRTC clients", 8000, 192000,
          kDefaultOutputRate, rw));
  /**
   * GstSessionSrc:rate:
   *
   * Sample rate of the S16LE mono audio on the source pads; every session
   * is resampled to it.
   */
  install (SERVER_PROP_RATE,
      g_param_spec_int ("rate", "Rate", "Output sample rate of the src pads",
          8000, 192000, kDefaultRate, rw));
  /**
   * GstSessionSrc:session-pads:
   *
   * Give each session its own sometimes pad (`src_%u`, sticky
   * session-context event, EOS and removal at the end) instead of
   * interleaving all sessions on `src`.
   */
  install (SERVER_PROP_SESSION_PADS,
      g_param_spec_boolean ("session-pads", "Session pads",
          "One source pad per session instead of all sessions on src", FALSE,
          rw));
  /**
   * GstSessionSrc:n-sessions:
   *
   * Sessions live right now.
   */
  install (SERVER_PROP_N_SESSIONS,
      g_param_spec_uint ("n-sessions", "Sessions", "Sessions live now", 0,
          G_MAXUINT, 0,
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  /**
   * GstSessionSrc:transports:
   *
   * Which routes the server mounts: `websocket` (`/websocket/offer`,
   * `/telephone/handler`) and `webrtc` (`/webrtc/offer`, FastRTC's HTTP
   * signalling). Both share one port and one #GstSessionSrc:max-sessions.
   */
  install (SERVER_PROP_TRANSPORTS,
      g_param_spec_flags ("transports", "Transports",
          "Client transports served on the port",
          GST_TYPE_SESSION_SRC_TRANSPORTS, 3, rw));
  /**
   * GstSessionSrc:stun-server:
   *
   * STUN server for WebRTC peers (`stun://host:port`); none by default.
   */
  install (SERVER_PROP_STUN_SERVER,
      g_param_spec_string ("stun-server", "STUN server",
          "STUN server for WebRTC peers (stun://host:port)", NULL, rw));
  /**
   * GstSessionSrc:turn-server:
   *
   * TURN server for WebRTC peers (`turn(s)://user:password@host:port`).
   */
  install (SERVER_PROP_TURN_SERVER,
      g_param_spec_string ("turn-server", "TURN server",
          "TURN server for WebRTC peers (turn(s)://user:pass@host:port)", NULL,
          rw));
  /**
   * GstSessionSrc:ice-addresses:
   *
   * Comma-separated local addresses WebRTC peers gather candidates on
   * (e.g. `127.0.0.1`); empty gathers on every interface. libnice skips
   * loopback unless it is named here.
   */
  install (SERVER_PROP_ICE_ADDRESSES,
      g_param_spec_string ("ice-addresses", "ICE addresses",
          "Comma-separated local addresses for WebRTC candidates (empty = "
          "all interfaces)", NULL, rw));
  /**
   * GstSessionSrc:min-port:
   *
   * Lowest local UDP port for WebRTC (0 = any).
   */
  install (SERVER_PROP_MIN_PORT,
      g_param_spec_uint ("min-port", "Min port",
          "Lowest local UDP port for WebRTC (0 = any)", 0, 65535, 0, rw));
  /**
   * GstSessionSrc:max-port:
   *
   * Highest local UDP port for WebRTC (0 = any).
   */
  install (SERVER_PROP_MAX_PORT,
      g_param_spec_uint ("max-port", "Max port",
          "Highest local UDP port for WebRTC (0 = any)", 0, 65535, 0, rw));
  /**
   * GstSessionSrc:connect-timeout:
   *
   * Seconds a WebRTC peer has to connect after its offer before its
   * session ends with reason `connect-timeout` (FastRTC: 30).
   */
  install (SERVER_PROP_CONNECT_TIMEOUT,
      g_param_spec_uint ("connect-timeout", "Connect timeout",
          "Seconds a WebRTC peer has to connect", 1, 3600, 30, rw));

  /**
   * GstSessionSrc:peer-timeout:
   *
   * Seconds without any audio from a connected WebRTC peer after which it
   * counts as gone (reason `disconnect`). Browsers keep sending RTP while
   * muted; a peer that closes properly is noticed at once (its data
   * channel closes).
   */
  install (SERVER_PROP_PEER_TIMEOUT,
      g_param_spec_uint ("peer-timeout", "Peer timeout",
          "Seconds without audio before a WebRTC peer counts as gone", 1,
          3600, 10, rw));

  /**
   * GstSessionSrc:io-threads:
   *
   * Threads serving connections, each with its own epoll set and main
   * context, sharing the port (SO_REUSEPORT: the kernel spreads new
   * connections). One thread serves thousands of connections (a wakeup
   * costs what is ready, not what is open); more help when several cores
   * are free for them.
   */
  install (SERVER_PROP_IO_THREADS,
      g_param_spec_uint ("io-threads", "I/O threads",
          "Threads serving client connections (sharing the port)", 1, 64, 1,
          rw));

  /**
   * GstSessionSrc:max-send-queue:
   *
   * Bytes sent to a WebSocket client that its socket has not taken yet
   * (the client does not read, or not fast enough). Past this the client
   * is disconnected (session-ended reason `error`, warning
   * `send_buffer_full`) rather than let memory grow. The default holds
   * about a minute of 24 kHz FastRTC audio.
   */
  install (SERVER_PROP_MAX_SEND_QUEUE,
      g_param_spec_uint ("max-send-queue", "Max send queue",
          "Bytes waiting for a WebSocket client that does not read before it "
          "is disconnected", 4096, G_MAXINT, 4 << 20, rw));

  /**
   * GstSessionSrc:opus-complexity:
   *
   * Complexity of the Opus encoder of each WebRTC peer that receives audio
   * (opusenc's `complexity`, 0–10). Lower values trade a little quality
   * for more peers per core (0 instead of 10: 5-16 % less CPU per peer
   * here, where Opus decoding and encoding are about a fifth of a peer's
   * cost; docs/PERFORMANCE.md).
   */
  install (SERVER_PROP_OPUS_COMPLEXITY,
      g_param_spec_uint ("opus-complexity", "Opus complexity",
          "Opus encoder complexity for audio sent to WebRTC peers (0-10, "
          "lower: less CPU per peer)", 0, 10, kDefaultOpusComplexity, rw));

  /**
   * GstSessionSrc:demo-page:
   *
   * Serve the demo page at `/` (and its scripts under `/demo/`) on the same
   * port: a browser opens http://HOST:PORT/, picks WebRTC or WebSocket,
   * and hears what the pipeline sends back. Compiled into the plugin, no
   * network needed. false: `/` is 404.
   */
  install (SERVER_PROP_DEMO_PAGE,
      g_param_spec_boolean ("demo-page", "Demo page",
          "Serve a browser demo page at / (WebRTC or WebSocket, hears the "
          "pipeline's output)", TRUE, rw));

  /**
   * GstSessionSrc:metrics:
   *
   * Whether the server answers `GET /metrics` on its port with its
   * counters in the Prometheus text format (version 0.0.4): sessions by
   * transport and dialect, sessions started and ended (by reason), frames
   * and bytes received, sent and dropped, protocol errors by code, and
   * the WebSocket handshake and WebRTC setup times as histograms. Labels
   * are only these bounded values, never what a client sent.
   */
  install (SERVER_PROP_METRICS,
      g_param_spec_boolean ("metrics", "Metrics",
          "Serve Prometheus metrics at GET /metrics on the server's port",
          TRUE, rw));

  /**
   * GstSessionSrc:stats:
   *
   * A snapshot of the live sessions and the server's totals, as a
   * `sessionctx-stats` structure: `sessions` (uint), the totals since the
   * server started (guint64 `frames-received`, `bytes-received`,
   * `frames-sent`, `bytes-sent`, `frames-dropped`, `audio-dropped`
   * (GstClockTime), `sessions-started`,
   * `sessions-ended`, `protocol-errors`) and one field per live session,
   * named `session-0`, `session-1`, … in the order of the session ids
   * (a client's id can be any string, so it is a value, not a name).
   * Each is a `session` structure: `id`, `transport`, `dialect`
   * (strings), `started` (boolean; a WebRTC session is live from its offer
   * and started once its peer connected), `remote-address` (string) and
   * `start-time` (gint64, µs since the Unix epoch) once started,
   * guint64 `frames-received`, `bytes-received`, `frames-sent`,
   * `bytes-sent`, `frames-dropped` (frames for the client that were not
   * delivered: cleared, or refused by a closing or overflowing
   * connection), `audio-dropped` and `input-backlog-max`
   * (GstClockTime: the client's audio dropped for being older than
   * #GstSessionSrc:max-latency, and the oldest its pad queue held),
   * `send-queue-bytes` (bytes waiting for a WebSocket
   * client), `last-media-age` (GstClockTime since the last
   * media from the client, once started); WebRTC sessions add
   * `round-trip` and `jitter` (double, seconds) and `packets-lost`
   * (gint64) from webrtcbin's `get-stats`, once known (fetched in the
   * background about once a second, so they lag by that much).
   * Reading it copies the session table under its lock and reads
   * atomic counters: it never waits on the server's threads. Empty
   * (`sessions=0`) while the element is stopped.
   */
  install (SERVER_PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Live sessions as fields session-0, session-1, ... (id, transport, "
          "dialect, remote address, start time, counters; WebRTC: round trip, "
          "jitter, packets lost) and the server's totals",
          GST_TYPE_STRUCTURE,
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  /**
   * GstSessionSrc:auth-token:
   *
   * When set, every request on the port (the WebSocket upgrades, WebRTC
   * signalling, `/metrics`, the page at `/` and its assets) must carry
   * `Authorization: Bearer TOKEN` or the URL query parameter
   * `?token=TOKEN`, else it is answered HTTP 401 (`WWW-Authenticate:
   * Bearer`, a failed reply `unauthorized`) before any session state
   * exists. Compared in constant time; never logged, never in a
   * context's metadata (the `token` query parameter is left out of it).
   * Write-only. The page, opened as `/?token=TOKEN`, passes it on.
   */
  install (SERVER_PROP_AUTH_TOKEN,
      g_param_spec_string ("auth-token", "Auth token",
          "Token every request must carry (Authorization: Bearer TOKEN or "
          "?token=TOKEN), else HTTP 401; empty = none (write-only)", NULL,
          (GParamFlags) (G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY)));
  /**
   * GstSessionSrc:allowed-origins:
   *
   * Comma-separated browser origins (e.g.
   * `https://app.example.com,http://localhost:8080`) the server serves: a
   * request whose `Origin` header is present and not listed gets HTTP 403
   * (`forbidden_origin`) — WebSocket upgrades, signalling, the page and
   * `/metrics`. Requests without `Origin` (phones, servers) pass. CORS
   * headers are sent only to listed origins. The page's own origin must
   * be listed for the page to work (browsers send it on its WebSocket and
   * its POSTs). Empty: any origin, `Access-Control-Allow-Origin: *`.
   */
  install (SERVER_PROP_ALLOWED_ORIGINS,
      g_param_spec_string ("allowed-origins", "Allowed origins",
          "Comma-separated origins a browser request may come from (others "
          "get HTTP 403; no Origin passes); empty = any", NULL, rw));
  /**
   * GstSessionSrc:max-sessions-per-address:
   *
   * Most live sessions (WebSocket and WebRTC together) one client address
   * may hold; a further `start` is answered `address_limit_reached` with
   * the `limit` and closed 1008, a further offer gets a failed status
   * `address_limit_reached`. Its sessions stream on. The address is the
   * TCP peer's, or the one a trusted proxy forwarded (trusted-proxies).
   * 0 means unlimited.
   */
  install (SERVER_PROP_MAX_SESSIONS_PER_ADDRESS,
      g_param_spec_uint ("max-sessions-per-address",
          "Max sessions per address",
          "Most live sessions one client address may hold, 0 = unlimited",
          0, G_MAXUINT, 0, rw));
  /**
   * GstSessionSrc:trusted-proxies:
   *
   * Comma-separated IP addresses of reverse proxies in front of the
   * server. Only for a request whose TCP peer is listed does
   * `X-Forwarded-For` count: the client is its right-most address that
   * is not a listed proxy. That address is then what
   * max-sessions-per-address counts and the context's remote-address (a
   * WebSocket session's; a WebRTC session's until its peer connects, then
   * the ICE pair's, as media does not pass the proxy). Empty: the header
   * is ignored.
   */
  install (SERVER_PROP_TRUSTED_PROXIES,
      g_param_spec_string ("trusted-proxies", "Trusted proxies",
          "Comma-separated proxy IPs whose X-Forwarded-For is believed; "
          "empty = none", NULL, rw));
  /**
   * GstSessionSrc:max-latency:
   *
   * The oldest audio a session's pad queue holds (nanoseconds; 0 =
   * unbounded). When the pipeline falls behind, each session's audio
   * waits in the queue between the server's thread and the pad's
   * streaming thread; audio that waited longer than this is dropped,
   * oldest first, so that what reaches the pipeline is never older than
   * this: a caller hears a gap instead of an ever growing delay, and
   * memory stays bounded under overload. Each session's drops are counted
   * (`stats`: `audio-dropped`, its largest backlog `input-backlog-max`;
   * `/metrics`: `sessionctx_audio_dropped_seconds_total`) and warned once
   * per session. The default, 500 ms, is far above what a pipeline that
   * keeps up needs (one 20 ms frame, plus scheduling) and well under the
   * delay that breaks a conversation. Audio for the client (sessionsink's
   * side) is bounded by #GstSessionSrc:max-send-queue in bytes.
   */
  install (SERVER_PROP_MAX_LATENCY,
      g_param_spec_uint64 ("max-latency", "Max latency",
          "Oldest audio a session's pad queue holds before it is dropped "
          "(ns, 0 = unbounded)", 0, G_MAXUINT64, kDefaultMaxLatency, rw));
  /**
   * GstSessionSrc:tls-certificate-file:
   *
   * PEM file with the server's certificate, optionally followed by its
   * chain. With #GstSessionSrc:tls-key-file set too, the port speaks only
   * TLS: every route is https:// and wss:// (the WebSocket paths,
   * `/webrtc/offer`, the page, `/metrics`), and a client speaking plain
   * HTTP is disconnected. A missing or unreadable file, or a key that does
   * not match the certificate, fails the state change with an error naming
   * the file. Needs GIO's TLS backend (Debian: glib-networking).
   */
  install (SERVER_PROP_TLS_CERTIFICATE_FILE,
      g_param_spec_string ("tls-certificate-file", "TLS certificate file",
          "PEM certificate (and chain) of the server; with tls-key-file the "
          "port speaks only TLS (https, wss)", NULL, rw));
  /**
   * GstSessionSrc:tls-key-file:
   *
   * PEM file with the private key of #GstSessionSrc:tls-certificate-file
   * (unencrypted).
   */
  install (SERVER_PROP_TLS_KEY_FILE,
      g_param_spec_string ("tls-key-file", "TLS key file",
          "PEM private key of tls-certificate-file", NULL, rw));
  /**
   * GstSessionSrc:handshake-timeout:
   *
   * Seconds a connection has to send a whole HTTP request (a WebSocket
   * upgrade, a signalling POST, a page or metrics GET), counted from its
   * accept (so a TLS handshake counts too) and, on a kept-alive
   * connection, from the end of the previous response; and, once upgraded
   * to a WebSocket, to send its `start` (then it is closed with code 1000,
   * reason `connect-timeout`; it never was a session: no session-ended).
   * A connection that takes longer (one that sends nothing, half a request
   * line, no start) is closed. 0 means no limit.
   */
  install (SERVER_PROP_HANDSHAKE_TIMEOUT,
      g_param_spec_uint ("handshake-timeout", "Handshake timeout",
          "Seconds a connection has to send its whole HTTP request and, as a "
          "WebSocket, its start message (0 = no limit)", 0, G_MAXUINT,
          kDefaultHandshakeTimeout, rw));
  return first_prop_id + N_SERVER_PROPS;
}

bool
ServerSettings::set (guint property, const GValue * value)
{
  std::lock_guard < std::mutex > l (lock);
  switch (property) {
    case SERVER_PROP_PORT:
      port = g_value_get_uint (value);
      break;
    case SERVER_PROP_ADDRESS:
      address = string_property (value, kDefaultAddress);
      break;
    case SERVER_PROP_SERVER_NAME:
      server_name = string_property (value);
      break;
    case SERVER_PROP_MAX_SESSIONS:
      max_sessions = g_value_get_uint (value);
      break;
    case SERVER_PROP_TIME_LIMIT:
      time_limit = g_value_get_uint (value);
      break;
    case SERVER_PROP_IDLE_TIMEOUT:
      idle_timeout = g_value_get_uint (value);
      break;
    case SERVER_PROP_MAX_MESSAGE_SIZE:
      max_message_size = g_value_get_uint (value);
      break;
    case SERVER_PROP_WEBSOCKET_INPUT_RATE:
      input_rate = g_value_get_int (value);
      break;
    case SERVER_PROP_WEBSOCKET_OUTPUT_RATE:
      output_rate = g_value_get_int (value);
      break;
    case SERVER_PROP_RATE:
      rate = g_value_get_int (value);
      break;
    case SERVER_PROP_SESSION_PADS:
      session_pads = g_value_get_boolean (value);
      break;
    case SERVER_PROP_TRANSPORTS:
      transports = g_value_get_flags (value);
      break;
    case SERVER_PROP_STUN_SERVER:
      stun_server = string_property (value);
      break;
    case SERVER_PROP_TURN_SERVER:
      turn_server = string_property (value);
      break;
    case SERVER_PROP_ICE_ADDRESSES:
      ice_addresses = string_property (value);
      break;
    case SERVER_PROP_MIN_PORT:
      min_port = g_value_get_uint (value);
      break;
    case SERVER_PROP_MAX_PORT:
      max_port = g_value_get_uint (value);
      break;
    case SERVER_PROP_CONNECT_TIMEOUT:
      connect_timeout = g_value_get_uint (value);
      break;
    case SERVER_PROP_PEER_TIMEOUT:
      peer_timeout = g_value_get_uint (value);
      break;
    case SERVER_PROP_IO_THREADS:
      io_threads = g_value_get_uint (value);
      break;
    case SERVER_PROP_OPUS_COMPLEXITY:
      opus_complexity = g_value_get_uint (value);
      break;
    case SERVER_PROP_MAX_SEND_QUEUE:
      max_send_queue = g_value_get_uint (value);
      break;
    case SERVER_PROP_DEMO_PAGE:
      demo_page = g_value_get_boolean (value);
      break;
    case SERVER_PROP_METRICS:
      metrics = g_value_get_boolean (value);
      break;
    case SERVER_PROP_AUTH_TOKEN:
      auth_token = string_property (value);
      break;
    case SERVER_PROP_ALLOWED_ORIGINS:
      allowed_origins = string_property (value);
      break;
    case SERVER_PROP_MAX_SESSIONS_PER_ADDRESS:
      max_sessions_per_address = g_value_get_uint (value);
      break;
    case SERVER_PROP_TRUSTED_PROXIES:
      trusted_proxies = string_property (value);
      break;
    case SERVER_PROP_TLS_CERTIFICATE_FILE:
      tls_certificate_file = string_property (value);
      break;
    case SERVER_PROP_TLS_KEY_FILE:
      tls_key_file = string_property (value);
      break;
    case SERVER_PROP_HANDSHAKE_TIMEOUT:
      handshake_timeout = g_value_get_uint (value);
      break;
    case SERVER_PROP_MAX_LATENCY:
      max_latency = g_value_get_uint64 (value);
      break;
    default:
      return false;
  }
  return true;
}

bool
ServerSettings::get (guint property, GValue * value)
{
  std::lock_guard < std::mutex > l (lock);
  switch (property) {
    case SERVER_PROP_PORT:
      g_value_set_uint (value, port);
      break;
    case SERVER_PROP_ADDRESS:
      g_value_set_string (value, address.c_str ());
      break;
    case SERVER_PROP_SERVER_NAME:
      set_string_property (value, server_name);
      break;
    case SERVER_PROP_MAX_SESSIONS:
      g_value_set_uint (value, max_sessions);
      break;
    case SERVER_PROP_TIME_LIMIT:
      g_value_set_uint (value, time_limit);
      break;
    case SERVER_PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, idle_timeout);
      break;
    case SERVER_PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint (value, max_message_size);
      break;
    case SERVER_PROP_WEBSOCKET_INPUT_RATE:
      g_value_set_int (value, input_rate);
      break;
    case SERVER_PROP_WEBSOCKET_OUTPUT_RATE:
      g_value_set_int (value, output_rate);
      break;
    case SERVER_PROP_RATE:
      g_value_set_int (value, rate);
      break;
    case SERVER_PROP_SESSION_PADS:
      g_value_set_boolean (value, session_pads);
      break;
    case SERVER_PROP_TRANSPORTS:
      g_value_set_flags (value, transports);
      break;
    case SERVER_PROP_STUN_SERVER:
      set_string_property (value, stun_server);
      break;
    case SERVER_PROP_TURN_SERVER:
      set_string_property (value, turn_server);
      break;
    case SERVER_PROP_ICE_ADDRESSES:
      set_string_property (value, ice_addresses);
      break;
    case SERVER_PROP_MIN_PORT:
      g_value_set_uint (value, min_port);
      break;
    case SERVER_PROP_MAX_PORT:
      g_value_set_uint (value, max_port);
      break;
    case SERVER_PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, connect_timeout);
      break;
    case SERVER_PROP_PEER_TIMEOUT:
      g_value_set_uint (value, peer_timeout);
      break;
    case SERVER_PROP_IO_THREADS:
      g_value_set_uint (value, io_threads);
      break;
    case SERVER_PROP_OPUS_COMPLEXITY:
      g_value_set_uint (value, opus_complexity);
      break;
    case SERVER_PROP_MAX_SEND_QUEUE:
      g_value_set_uint (value, max_send_queue);
      break;
    case SERVER_PROP_DEMO_PAGE:
      g_value_set_boolean (value, demo_page);
      break;
    case SERVER_PROP_METRICS:
      g_value_set_boolean (value, metrics);
      break;
    case SERVER_PROP_ALLOWED_ORIGINS:
      set_string_property (value, allowed_origins);
      break;
    case SERVER_PROP_MAX_SESSIONS_PER_ADDRESS:
      g_value_set_uint (value, max_sessions_per_address);
      break;
    case SERVER_PROP_TRUSTED_PROXIES:
      set_string_property (value, trusted_proxies);
      break;
    case SERVER_PROP_TLS_CERTIFICATE_FILE:
      set_string_property (value, tls_certificate_file);
      break;
    case SERVER_PROP_TLS_KEY_FILE:
      set_string_property (value, tls_key_file);
      break;
    case SERVER_PROP_HANDSHAKE_TIMEOUT:
      g_value_set_uint (value, handshake_timeout);
      break;
    case SERVER_PROP_MAX_LATENCY:
      g_value_set_uint64 (value, max_latency);
      break;
    default:
      return false;
  }
  return true;
}

sessionctx::ServerConfig
ServerSettings::server_config () const
{
  sessionctx::ServerConfig config;
  config.address = address;
  config.port = port;
  config.name = server_name;
  config.max_sessions = max_sessions;
  config.time_limit = time_limit;
  config.idle_timeout = idle_timeout;
  config.max_message_size = max_message_size;
  config.websocket_input_rate = input_rate;
  config.websocket_output_rate = output_rate;
  config.websocket = transports & 1;
  config.webrtc = transports & 2;
  config.connect_timeout = connect_timeout;
  config.peer_timeout = peer_timeout;
  config.io_threads = io_threads;
  config.max_send_queue = max_send_queue;
  if (demo_page)
    config.demo_page_resource = kDemoPageResource;
  config.metrics = metrics;
  config.auth_token = auth_token;
  config.allowed_origins = allowed_origins;
  config.max_sessions_per_address = max_sessions_per_address;
  config.trusted_proxies = trusted_proxies;
  config.tls_certificate_file = tls_certificate_file;
  config.tls_key_file = tls_key_file;
  config.handshake_timeout = handshake_timeout;
  return config;
}
