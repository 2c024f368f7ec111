/* The server properties of sessionsrc and sessionbin: one row each, with
 * its documentation (propertyrow.h says what a row holds).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "properties/propertyrow.h"

#include "server/sessionstats.h"

namespace properties {

namespace {

GType
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

GType
gst_session_src_thread_policy_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {(gint) sessionctx::ThreadPolicy::batch,
        "I/O threads SCHED_BATCH, handshake threads at nice 10", "batch"},
    {(gint) sessionctx::ThreadPolicy::normal,
        "I/O and handshake threads as they were created", "normal"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&id))
    g_once_init_leave (&id, g_enum_register_static
        ("GstSessionSrcThreadPolicy", values));
  return id;
}

/* transports: its flags are the config's two routes. */
constexpr Field kTransports = {
  [](ServerSettings & s, const GValue * value, GParamSpec *) {
    guint flags = g_value_get_flags (value);
    s.server.websocket = flags & 1;
    s.server.webrtc = flags & 2;
  },
  [](const ServerSettings & s, GValue * value, GParamSpec *) {
    g_value_set_flags (value, (s.server.websocket ? 1 : 0) |
        (s.server.webrtc ? 2 : 0));
  },
};

/* demo-page: the config names the page's resource, or none. */
constexpr Field kDemoPage = {
  [](ServerSettings & s, const GValue * value, GParamSpec *) {
    s.server.demo_page_resource = g_value_get_boolean (value) ?
        kDemoPageResource : "";
  },
  [](const ServerSettings & s, GValue * value, GParamSpec *) {
    g_value_set_boolean (value, !s.server.demo_page_resource.empty ());
  },
};

bool
live_port (Server * server, GValue * value)
{
  if (!server)
    return false;
  g_value_set_uint (value, server->port ());
  return true;
}

bool
live_n_sessions (Server * server, GValue * value)
{
  g_value_set_uint (value, server ? (guint) server->n_sessions () : 0);
  return true;
}

bool
live_draining (Server * server, GValue * value)
{
  g_value_set_boolean (value, server && server->draining ());
  return true;
}

bool
live_stats (Server * server, GValue * value)
{
  g_value_take_boxed (value, server ? sessionctx::stats_structure (*server) :
      sessionctx::stats_structure_empty ());
  return true;
}

}  // namespace

/* ------------------------------------------------------------------ */
/* The table, in the order of the property ids                          */

const Row kServerPropertyRows[] = {
  /**
   * GstSessionSrc:port:
   *
   * TCP port to listen on; 0 picks a free one. While the element is PAUSED
   * or PLAYING, reading it returns the port actually bound.
   */
  {uint_spec ("port", "Port",
          "TCP port to listen on (0 = pick a free one; reads back the bound "
          "port while running)", 0, 65535, kDefaultPort),
      value_in<&ServerConfig::port>, live_port},
  /**
   * GstSessionSrc:address:
   *
   * Local address to listen on.
   */
  {string_spec ("address", "Address",
          "Local address to listen on", kDefaultAddress),
      value_in<&ServerConfig::address>},
  /**
   * GstSessionSrc:server-name:
   *
   * Optional name under which a `sessionsink` can find this server (else it
   * finds it by port, or through each buffer's context).
   */
  {string_spec ("server-name", "Server name",
          "Name a sessionsink can use to find this server (optional)", NULL),
      value_in<&ServerConfig::name>},
  /**
   * GstSessionSrc:max-sessions:
   *
   * Most concurrent sessions (FastRTC's `concurrency_limit`); a `start`
   * beyond it is answered `concurrency_limit_reached` with the `limit` and
   * closed with code 1008. 0 means unlimited.
   */
  {uint_spec ("max-sessions", "Max sessions",
          "Most concurrent sessions, 0 = unlimited (FastRTC "
          "concurrency_limit)",
          0, G_MAXUINT, 0),
      value_in<&ServerConfig::max_sessions>},
  /**
   * GstSessionSrc:time-limit:
   *
   * Seconds a session may last before it is ended with reason `time-limit`
   * (FastRTC `time_limit`). 0 means no limit.
   */
  {uint_spec ("time-limit", "Time limit",
          "Seconds a session may last, 0 = no limit", 0, G_MAXUINT, 0),
      value_in<&ServerConfig::time_limit>},
  /**
   * GstSessionSrc:idle-timeout:
   *
   * Seconds without media (or, before `start`, without a start) after which
   * a connection is closed with reason `idle`. 0 means never.
   */
  {uint_spec ("idle-timeout", "Idle timeout",
          "Seconds without media before a session is closed, 0 = never", 0,
          G_MAXUINT, 0),
      value_in<&ServerConfig::idle_timeout>},
  /**
   * GstSessionSrc:max-message-size:
   *
   * Largest WebSocket message accepted, in bytes; a larger one closes the
   * connection with code 1009 (reason `error`).
   */
  {uint_spec ("max-message-size", "Max message size",
          "Largest WebSocket message accepted in bytes (larger closes the "
          "connection with 1009)", 256, G_MAXINT, kDefaultMaxMessageSize),
      value_in<&ServerConfig::max_message_size>},
  /**
   * GstSessionSrc:websocket-input-rate:
   *
   * Sample rate of the µ-law FastRTC WebSocket clients send (FastRTC does
   * not resample: it is the handler's input rate, 48000 by default).
   * Twilio sessions use their `mediaFormat` (8000).
   */
  {int_spec ("websocket-input-rate", "WebSocket input rate",
          "Sample rate of FastRTC clients' µ-law", 8000, 192000,
          kDefaultInputRate),
      value_in<&ServerConfig::websocket_input_rate>},
  /**
   * GstSessionSrc:websocket-output-rate:
   *
   * Sample rate `sessionsink` sends to FastRTC WebSocket clients (FastRTC's
   * default 24000). Twilio sessions always get 8000.
   */
  {int_spec ("websocket-output-rate", "WebSocket output rate",
          "Sample rate sent back to FastRTC clients", 8000, 192000,
          kDefaultOutputRate),
      value_in<&ServerConfig::websocket_output_rate>},
  /**
   * GstSessionSrc:rate:
   *
   * Sample rate of the S16LE mono audio on the source pads; every session
   * is resampled to it.
   */
  {int_spec ("rate", "Rate",
          "Output sample rate of the src pads", 8000, 192000, kDefaultRate),
      value_in<&OutputSettings::rate>},
  /**
   * GstSessionSrc:session-pads:
   *
   * Give each session its own sometimes pad (`src_%u`, sticky
   * session-context event, EOS and removal at the end) instead of
   * interleaving all sessions on `src`.
   */
  {boolean_spec ("session-pads", "Session pads",
          "One source pad per session instead of all sessions on src", FALSE),
      value_in<&OutputSettings::session_pads>},
  /**
   * GstSessionSrc:streaming-threads:
   *
   * How many threads push the session pads' buffers downstream (with
   * #GstSessionSrc:session-pads; `sessionbin` always): 0 (the default) is
   * one per CPU core the process may run on (its affinity: `taskset -c 0`
   * gives one). The sessions share them, each session's buffers
   * pushed in order by one thread at a time, so a server of a thousand
   * sessions runs a few threads instead of a thousand. A session whose
   * pipeline blocks or is slow (an appsink callback that sleeps, a
   * recognizer that takes 200 ms) holds only the thread pushing into it:
   * once that thread has slept or run 4 ms on one batch (time it waits for
   * a core on a busy machine does not count), another thread is started
   * for the others (up to 64 such at once; it ends when the blocked one is
   * free again), so it delays only itself. -1 gives each session pad a
   * streaming thread of its own (how session pads were pushed before; for
   * comparison).
   */
  {int_spec ("streaming-threads", "Streaming threads",
          "Threads the session pads share (0 = one per CPU core the process "
          "may run on, -1 = one per session pad)", -1, 1024, 0),
      value_in<&OutputSettings::streaming_threads>},
  /**
   * GstSessionSrc:n-sessions:
   *
   * Sessions live right now.
   */
  {uint_spec ("n-sessions", "Sessions",
          "Sessions live now", 0, G_MAXUINT, 0, kReadOnly),
      kNoValue, live_n_sessions},
  /**
   * GstSessionSrc:transports:
   *
   * Which routes the server mounts: `websocket` (`/websocket/offer`,
   * `/telephone/handler`) and `webrtc` (`/webrtc/offer`, FastRTC's HTTP
   * signalling). Both share one port and one #GstSessionSrc:max-sessions.
   */
  {flags_spec ("transports", "Transports",
          "Client transports served on the port",
          gst_session_src_transports_get_type, 3),
      kTransports},
  /**
   * GstSessionSrc:stun-server:
   *
   * STUN server for WebRTC peers (`stun://host:port`); none by default.
   */
  {string_spec ("stun-server", "STUN server",
          "STUN server for WebRTC peers (stun://host:port)", NULL),
      value_in<&PeerSettings::stun_server>},
  /**
   * GstSessionSrc:turn-server:
   *
   * TURN server for WebRTC peers (`turn(s)://user:password@host:port`).
   */
  {string_spec ("turn-server", "TURN server",
          "TURN server for WebRTC peers (turn(s)://user:pass@host:port)",
          NULL),
      value_in<&PeerSettings::turn_server>},
  /**
   * GstSessionSrc:ice-addresses:
   *
   * Comma-separated local addresses WebRTC peers gather candidates on
   * (e.g. `127.0.0.1`); empty gathers on every interface. libnice skips
   * loopback unless it is named here.
   */
  {string_spec ("ice-addresses", "ICE addresses",
          "Comma-separated local addresses for WebRTC candidates (empty = all "
          "interfaces)", NULL),
      value_in<&PeerSettings::ice_addresses>},
  /**
   * GstSessionSrc:min-port:
   *
   * Lowest local UDP port for WebRTC (0 = any).
   */
  {uint_spec ("min-port", "Min port",
          "Lowest local UDP port for WebRTC (0 = any)", 0, 65535, 0),
      value_in<&PeerSettings::min_port>},
  /**
   * GstSessionSrc:max-port:
   *
   * Highest local UDP port for WebRTC (0 = any).
   */
  {uint_spec ("max-port", "Max port",
          "Highest local UDP port for WebRTC (0 = any)", 0, 65535, 0),
      value_in<&PeerSettings::max_port>},
  /**
   * GstSessionSrc:connect-timeout:
   *
   * Seconds a WebRTC peer has to connect after its offer before its
   * session ends with reason `connect-timeout` (FastRTC: 30).
   */
  {uint_spec ("connect-timeout", "Connect timeout",
          "Seconds a WebRTC peer has to connect", 1, 3600, 30),
      value_in<&ServerConfig::connect_timeout>},
  /**
   * GstSessionSrc:peer-timeout:
   *
   * Seconds without any audio from a connected WebRTC peer after which it
   * counts as gone (reason `disconnect`). Browsers keep sending RTP while
   * muted; a peer that closes properly is noticed at once (its data
   * channel closes).
   */
  {uint_spec ("peer-timeout", "Peer timeout",
          "Seconds without audio before a WebRTC peer counts as gone", 1, 3600,
          10),
      value_in<&ServerConfig::peer_timeout>},
  /**
   * GstSessionSrc:io-threads:
   *
   * Threads serving connections, each with its own epoll set and main
   * context, sharing the port (SO_REUSEPORT: the kernel spreads new
   * connections). One thread serves thousands of connections (a wakeup
   * costs what is ready, not what is open); more help when several cores
   * are free for them.
   */
  {uint_spec ("io-threads", "I/O threads",
          "Threads serving client connections (sharing the port)", 1, 64, 1),
      value_in<&ServerConfig::io_threads>},
  /**
   * GstSessionSrc:max-send-queue:
   *
   * Bytes sent to a WebSocket client that its socket has not taken yet
   * (the client does not read, or not fast enough). Past this the client
   * is disconnected (session-ended reason `error`, warning
   * `send_buffer_full`) rather than let memory grow. The default holds
   * about a minute of 24 kHz FastRTC audio.
   */
  {uint_spec ("max-send-queue", "Max send queue",
          "Bytes waiting for a WebSocket client that does not read before it "
          "is disconnected", 4096, G_MAXINT, 4 << 20),
      value_in<&ServerConfig::max_send_queue>},
  /**
   * GstSessionSrc:opus-complexity:
   *
   * Complexity of the Opus encoder of each WebRTC peer that receives audio
   * (opusenc's `complexity`, 0–10). Lower values trade a little quality
   * for more peers per core (0 instead of 10: 5-16 % less CPU per peer
   * here, where Opus decoding and encoding are about a fifth of a peer's
   * cost; docs/PERFORMANCE.md).
   */
  {uint_spec ("opus-complexity", "Opus complexity",
          "Opus encoder complexity for audio sent to WebRTC peers (0-10, "
          "lower: less CPU per peer)", 0, 10, kDefaultOpusComplexity),
      value_in<&PeerSettings::opus_complexity>},
  /**
   * GstSessionSrc:video-bitrate:
   *
   * Target bitrate in kbit/s of the VP8 video sent back to each WebRTC peer
   * that receives video. Fixed: the encoder does not follow the client's
   * congestion feedback (webrtcbin 1.22 hands none to an encoder).
   */
  {uint_spec ("video-bitrate", "Video bitrate",
          "Target bitrate (kbit/s) of the VP8 video sent to WebRTC peers",
          50, 20000, 800),
      value_in<&PeerSettings::video_bitrate>},
  /**
   * GstSessionSrc:video-max-width:
   *
   * Video sent back to a WebRTC peer is scaled down (keeping its aspect)
   * to fit #GstSessionSrc:video-max-width × #GstSessionSrc:video-max-height.
   */
  {uint_spec ("video-max-width", "Video max width",
          "Widest video (pixels) sent to WebRTC peers; larger is scaled "
          "down", 16, 4096, 640),
      value_in<&PeerSettings::video_max_width>},
  /**
   * GstSessionSrc:video-max-height:
   *
   * See #GstSessionSrc:video-max-width.
   */
  {uint_spec ("video-max-height", "Video max height",
          "Tallest video (pixels) sent to WebRTC peers; larger is scaled "
          "down", 16, 4096, 480),
      value_in<&PeerSettings::video_max_height>},
  /**
   * GstSessionSrc:video-max-framerate:
   *
   * Frames per second at most of the video sent back to a WebRTC peer;
   * more are dropped before encoding.
   */
  {uint_spec ("video-max-framerate", "Video max framerate",
          "Frames per second at most of the video sent to WebRTC peers", 1,
          120, 30),
      value_in<&PeerSettings::video_max_framerate>},
  /**
   * GstSessionSrc:demo-page:
   *
   * Serve the demo page at `/` (and its scripts under `/demo/`) on the same
   * port: a browser opens http://HOST:PORT/, picks WebRTC or WebSocket,
   * and hears what the pipeline sends back. Compiled into the plugin, no
   * network needed. false: `/` is 404.
   */
  {boolean_spec ("demo-page", "Demo page",
          "Serve a browser demo page at / (WebRTC or WebSocket, hears the "
          "pipeline's output)", TRUE),
      kDemoPage},
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
  {boolean_spec ("metrics", "Metrics",
          "Serve Prometheus metrics at GET /metrics on the server's port",
          TRUE),
      value_in<&ServerConfig::metrics>},
  /**
   * GstSessionSrc:stats:
   *
   * A snapshot of the live sessions and the server's totals, as a
   * `sessionctx-stats` structure: `sessions` (uint), the totals since the
   * server started (guint64 `frames-received`, `bytes-received`,
   * `frames-sent`, `bytes-sent`, `frames-dropped`, `audio-dropped`
   * (GstClockTime), `sessions-started`,
   * `sessions-ended`, `protocol-errors`, and the guint64 video counters
   * named below) and one field per live session,
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
   * background about once a second, so they lag by that much; jitter
   * and losses of the client's audio). Sessions with video, either way,
   * add guint64 `video-frames-received` (decoded frames delivered to the
   * session's video pad), `video-frames-sent` (frames taken by the
   * encoder of the video sent back), `video-frames-dropped-framerate`
   * (frames sooner than #GstSessionSrc:video-max-framerate),
   * `video-frames-dropped-queue` (the oldest frame waiting for the
   * encoder, dropped for a newer one), `video-frames-dropped-behind`
   * (frames of the client's video dropped, oldest first, where what takes
   * them fell behind), `video-keyframe-requests-received`
   * and `video-keyframe-requests-sent` (keyframe requests from the
   * client that reached the encoder, and those sent to it), `video-bytes-received` and
   * `video-bytes-sent` (RTP payload bytes, from `get-stats`), and once
   * known `video-bitrate-received` and `video-bitrate-sent` (double,
   * bit/s over the last second), `video-jitter` (double, seconds) and
   * `video-packets-lost` (gint64).
   * Reading it copies the session table under its lock and reads
   * atomic counters: it never waits on the server's threads. Empty
   * (`sessions=0`) while the element is stopped.
   */
  {boxed_spec ("stats", "Statistics",
          "Live sessions as fields session-0, session-1, ... (id, transport, "
          "dialect, remote address, start time, counters; WebRTC: round trip, "
          "jitter, packets lost; video: frames in, out, dropped, bytes, "
          "bitrates) and the server's totals",
          gst_structure_get_type, kReadOnly),
      kNoValue, live_stats},
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
  {string_spec ("auth-token", "Auth token",
          "Token every request must carry (Authorization: Bearer TOKEN or "
          "?token=TOKEN), else HTTP 401; empty = none (write-only)", NULL,
          kWriteOnly),
      value_in<&ServerConfig::auth_token>},
  /**
   * GstSessionSrc:api-token:
   *
   * Turns the session API on (off while empty: `/sessions` is 404):
   * `GET /sessions`, `GET /sessions/{id}`, `POST /sessions/{id}/message`,
   * `POST /sessions/{id}/clear`, `DELETE /sessions/{id}` on the same port
   * (docs/PROTOCOL.md, "Session API"). Each request must carry
   * `Authorization: Bearer TOKEN` with this token, else HTTP 401; the
   * `auth-token` (which clients and the page hold) does not open it, nor
   * does `?token=`. `allowed-origins` applies (403). Compared in constant
   * time; never logged. Write-only.
   */
  {string_spec ("api-token", "API token",
          "Token of the session API (/sessions: list, message, clear, end "
          "sessions; Authorization: Bearer TOKEN); empty = the API is off "
          "(write-only)", NULL, kWriteOnly),
      value_in<&ServerConfig::api_token>},
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
  {string_spec ("allowed-origins", "Allowed origins",
          "Comma-separated origins a browser request may come from (others "
          "get HTTP 403; no Origin passes); empty = any", NULL),
      value_in<&ServerConfig::allowed_origins>},
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
  {uint_spec ("max-sessions-per-address", "Max sessions per address",
          "Most live sessions one client address may hold, 0 = unlimited", 0,
          G_MAXUINT, 0),
      value_in<&ServerConfig::max_sessions_per_address>},
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
  {string_spec ("trusted-proxies", "Trusted proxies",
          "Comma-separated proxy IPs whose X-Forwarded-For is believed; empty "
          "= none", NULL),
      value_in<&ServerConfig::trusted_proxies>},
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
  {uint64_spec ("max-latency", "Max latency",
          "Oldest audio a session's pad queue holds before it is dropped (ns, "
          "0 = unbounded)", 0, G_MAXUINT64, kDefaultMaxLatency),
      value_in<&OutputSettings::max_latency>},
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
  {string_spec ("tls-certificate-file", "TLS certificate file",
          "PEM certificate (and chain) of the server; with tls-key-file the "
          "port speaks only TLS (https, wss)", NULL),
      value_in<&ServerConfig::tls_certificate_file>},
  /**
   * GstSessionSrc:tls-key-file:
   *
   * PEM file with the private key of #GstSessionSrc:tls-certificate-file
   * (unencrypted).
   */
  {string_spec ("tls-key-file", "TLS key file",
          "PEM private key of tls-certificate-file", NULL),
      value_in<&ServerConfig::tls_key_file>},
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
  {uint_spec ("handshake-timeout", "Handshake timeout",
          "Seconds a connection has to send its whole HTTP request and, as a "
          "WebSocket, its start message (0 = no limit)", 0, G_MAXUINT,
          kDefaultHandshakeTimeout),
      value_in<&ServerConfig::handshake_timeout>},
  /**
   * GstSessionSrc:thread-policy:
   *
   * How the server's threads are scheduled. `batch` (the default): each
   * I/O thread runs as `SCHED_BATCH`, so that waking up for a client's
   * input never preempts the streaming thread in the middle of what it
   * pushes (both usually share a core; each then runs longer per wakeup:
   * 700 WebSocket sessions, 24.8 → 22.8 µs of server CPU per frame, p99 no
   * worse), and each handshake thread (accept, TLS, HTTP, the WebSocket
   * upgrade) at nice 10, giving the core to a waiting thread after each
   * connection it accepts and each upgrade, so that during a burst of
   * connects the handshakes wait and the live sessions' media does not
   * (200 live sessions, 1000 connects: their p99 rose by 3.5–5 ms
   * without the yield, 0.1–1.5 ms with it). What an I/O thread starts
   * for a session or a WebRTC peer (a handler's threads, webrtcbin's)
   * never inherits `SCHED_BATCH`. `normal`: both keep the scheduling of
   * the thread that started the element (no policy, no nice value set),
   * for an application that places and prioritizes its threads itself.
   * Measurements: docs/PERFORMANCE.md.
   */
  {enum_spec ("thread-policy", "Thread policy",
          "How the server's threads are scheduled: batch (I/O threads "
          "SCHED_BATCH, handshake threads at nice 10) or normal (as created)",
          gst_session_src_thread_policy_get_type,
          (gint) sessionctx::ThreadPolicy::batch),
      value_in<&ServerConfig::thread_policy>},
  /**
   * GstSessionSrc:draining:
   *
   * TRUE once #GstSessionSrc::drain was emitted on the running element:
   * it takes no new session (`/readyz` answers 503 `draining`), the live
   * ones go on until they end or #GstSessionSrc:drain-timeout passes.
   * FALSE again after the element stops.
   */
  {boolean_spec ("draining", "Draining",
          "The server takes no new session while the live ones finish (the "
          "drain signal was emitted)", FALSE, kReadOnly),
      kNoValue, live_draining},
  /**
   * GstSessionSrc:drain-timeout:
   *
   * Seconds the live sessions get after #GstSessionSrc::drain before they
   * are closed (reason `shutdown`, WebSocket close 1001 "server draining";
   * WebRTC peers end as at time-limit), at the server's first 1 s tick
   * past it; 0 means no limit (the drain waits for every session to end).
   * Read when the drain begins, so it may be changed while playing. The
   * default, 25 s, fits a service manager's stop timeout: Kubernetes sends
   * SIGKILL 30 s (terminationGracePeriodSeconds) after SIGTERM, which
   * leaves 5 s for the closes, the handlers to finish (a recording's
   * trailer) and the process to exit; give systemd's TimeoutStopSec the
   * same margin.
   */
  {uint_spec ("drain-timeout", "Drain timeout",
          "Seconds live sessions get after drain before they are closed "
          "(1001); 0 = no limit", 0, G_MAXUINT, kDefaultDrainTimeout,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING)),
      value_in<&ServerConfig::drain_timeout>},
  /**
   * GstSessionSrc:twilio-auth-token:
   *
   * The Twilio account's auth token (Twilio console, Account Info). When
   * set, Twilio's routes take only requests Twilio signed: the
   * incoming-call webhook `/telephone/incoming` and the media upgrade
   * `/telephone/handler` must carry an `X-Twilio-Signature` that verifies
   * (HMAC-SHA1 over the URL Twilio requested and, for a form POST, its
   * parameters, as Twilio documents it), else HTTP 403 (failed
   * `invalid_signature`). On `/telephone/handler` a valid signature
   * admits the upgrade without #GstSessionSrc:auth-token (Twilio cannot
   * send that there); the webhook still needs it (put `?token=TOKEN` in
   * the webhook URL: Twilio signs it with the rest). The URL checked is
   * the one Twilio used: #GstSessionSrc:public-url, or a trusted proxy's
   * `X-Forwarded-Proto` and `X-Forwarded-Host`, or the `Host` header and
   * the port's own scheme. Never logged; write-only. Empty: signatures
   * are not checked.
   */
  {string_spec ("twilio-auth-token", "Twilio auth token",
          "Twilio account auth token: Twilio's routes (/telephone/incoming, "
          "/telephone/handler) take only requests whose X-Twilio-Signature "
          "verifies, else HTTP 403; empty = not checked (write-only)", NULL,
          kWriteOnly),
      value_in<&ServerConfig::twilio_auth_token>},
  /**
   * GstSessionSrc:public-url:
   *
   * The URL clients reach the server at, when it is not what the request
   * says: behind a reverse proxy or a tunnel that ends TLS or maps a
   * path (`https://voice.example.com`, `https://example.com/voice`:
   * `/voice/telephone/incoming` there is `/telephone/incoming` here).
   * Used for Twilio: the TwiML of `/telephone/incoming` points the call's
   * stream at `wss://` its host and path + `/telephone/handler` (`ws://`
   * when it is `http://`), and #GstSessionSrc:twilio-auth-token checks
   * signatures over it. Empty: a trusted proxy's `X-Forwarded-Proto` and
   * `X-Forwarded-Host` (#GstSessionSrc:trusted-proxies), else the
   * request's `Host` and the port's own scheme (https with TLS). Not an
   * http(s) URL with a host (or with a query): the state change fails.
   */
  {string_spec ("public-url", "Public URL",
          "URL clients reach the server at (https://host[:port][/path]) when "
          "a proxy or tunnel is in front: Twilio's stream URL and signatures; "
          "empty = from the request", NULL),
      value_in<&ServerConfig::public_url>},
  /**
   * GstSessionSrc:directory:
   *
   * A cluster directory shared by several instances: Redis at
   * `redis://host[:port][/db]`. Each instance writes its live sessions
   * there every second (expiring after 5 s: a killed instance's sessions
   * leave within seconds); a start whose id is live on another instance
   * is refused like a duplicate here (`connection_already_exists`); the
   * session API answers for every session of the cluster, forwarding to
   * the instance that holds one (needs #GstSessionSrc:instance-url and
   * the same #GstSessionSrc:api-token everywhere). Never on the media
   * path: Redis down, sessions go on, the API answers for this instance
   * only, and the link reconnects by itself (`sessionctx_directory_up`).
   * Empty: this instance alone. A build without hiredis, or a URL that is
   * not one: the state change fails.
   */
  {string_spec ("directory", "Directory",
          "Cluster directory (redis://host[:port][/db]): every instance's "
          "sessions, ids unique across instances, session API forwarded to "
          "the holder; needs instance-url; empty = this instance alone",
          NULL),
      value_in<&ServerConfig::directory>},
  /**
   * GstSessionSrc:instance-url:
   *
   * With #GstSessionSrc:directory: the `http(s)://host:port[/path]` the
   * other instances reach this one's session API at (written beside each
   * of its sessions; their API requests for these sessions go there, with
   * the api-token and `X-Sessionctx-Forwarded: 1`). Not an http(s) URL
   * with a host while a directory is set: the state change fails.
   */
  {string_spec ("instance-url", "Instance URL",
          "URL the other instances of a directory reach this one at "
          "(http(s)://host:port[/path]); needed with directory", NULL),
      value_in<&ServerConfig::instance_url>},
};

const guint kServerPropertyCount = G_N_ELEMENTS (kServerPropertyRows);

}  // namespace properties
