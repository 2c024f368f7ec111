/* The server properties of sessionsrc: their specs (names, ranges,
 * defaults, docs) in one place, installable on any class, and the values
 * they hold.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "server/server.h"

#include <glib-object.h>

#include <mutex>
#include <string>

constexpr guint kDefaultPort = 8080;
constexpr const char *kDefaultAddress = "0.0.0.0";
constexpr guint kDefaultMaxMessageSize = 65536;
constexpr int kDefaultInputRate = 48000;
constexpr int kDefaultOutputRate = 24000;
constexpr int kDefaultRate = 48000;
/* opusenc's own default. */
constexpr guint kDefaultOpusComplexity = 10;
/* 500 ms: far above what a pipeline keeping up needs (a frame of 20 ms,
 * scheduling), well under what a caller notices as a broken call. */
constexpr guint64 kDefaultMaxLatency = 500 * GST_MSECOND;
constexpr guint kDefaultHandshakeTimeout = 10;
/* Where plugin/demo/ is compiled in (plugin/demo/demo.gresource.xml). */
constexpr const char *kDemoPageResource = "/org/gstreamer/sessionctx/demo";

/* The server properties in the order they are installed; a class that
 * installs them from @first_prop_id has property id
 * first_prop_id + ServerProperty. */
enum ServerProperty : guint
{
  SERVER_PROP_PORT,
  SERVER_PROP_ADDRESS,
  SERVER_PROP_SERVER_NAME,
  SERVER_PROP_MAX_SESSIONS,
  SERVER_PROP_TIME_LIMIT,
  SERVER_PROP_IDLE_TIMEOUT,
  SERVER_PROP_MAX_MESSAGE_SIZE,
  SERVER_PROP_WEBSOCKET_INPUT_RATE,
  SERVER_PROP_WEBSOCKET_OUTPUT_RATE,
  SERVER_PROP_RATE,
  SERVER_PROP_SESSION_PADS,
  SERVER_PROP_N_SESSIONS,
  SERVER_PROP_TRANSPORTS,
  SERVER_PROP_STUN_SERVER,
  SERVER_PROP_TURN_SERVER,
  SERVER_PROP_ICE_ADDRESSES,
  SERVER_PROP_MIN_PORT,
  SERVER_PROP_MAX_PORT,
  SERVER_PROP_CONNECT_TIMEOUT,
  SERVER_PROP_PEER_TIMEOUT,
  SERVER_PROP_IO_THREADS,
  SERVER_PROP_MAX_SEND_QUEUE,
  SERVER_PROP_OPUS_COMPLEXITY,
  SERVER_PROP_DEMO_PAGE,
  SERVER_PROP_METRICS,
  SERVER_PROP_STATS,
  SERVER_PROP_AUTH_TOKEN,
  SERVER_PROP_ALLOWED_ORIGINS,
  SERVER_PROP_MAX_SESSIONS_PER_ADDRESS,
  SERVER_PROP_TRUSTED_PROXIES,
  SERVER_PROP_MAX_LATENCY,
  SERVER_PROP_TLS_CERTIFICATE_FILE,
  SERVER_PROP_TLS_KEY_FILE,
  SERVER_PROP_HANDSHAKE_TIMEOUT,
  N_SERVER_PROPS,
};

/* Installs every server property of sessionsrc on @klass, with ids
 * @first_prop_id to @first_prop_id + N_SERVER_PROPS - 1: fresh specs, the
 * same for every class, so that a class wrapping a sessionsrc exposes the
 * same properties and forwards them by name. Returns the first id after
 * them. */
guint server_properties_install (GObjectClass * klass, guint first_prop_id);

/* The values of the server properties (all but n-sessions and stats,
 * which the running server answers). */
struct ServerSettings
{
  std::mutex lock;
  guint port = kDefaultPort;
  std::string address = kDefaultAddress;
  std::string server_name;
  guint max_sessions = 0;
  guint time_limit = 0;
  guint idle_timeout = 0;
  guint max_message_size = kDefaultMaxMessageSize;
  int input_rate = kDefaultInputRate;
  int output_rate = kDefaultOutputRate;
  int rate = kDefaultRate;
  bool session_pads = false;
  guint transports = 3;         /* websocket | webrtc */
  std::string stun_server;
  std::string turn_server;
  std::string ice_addresses;    /* comma-separated; empty = all */
  guint min_port = 0;
  guint max_port = 0;
  guint connect_timeout = 30;
  guint peer_timeout = 10;
  guint io_threads = 1;
  guint max_send_queue = 4 << 20;
  guint opus_complexity = kDefaultOpusComplexity;
  bool demo_page = true;
  bool metrics = true;
  std::string auth_token;       /* write-only: never read back */
  std::string allowed_origins;
  guint max_sessions_per_address = 0;
  std::string trusted_proxies;
  std::string tls_certificate_file;
  std::string tls_key_file;
  guint handshake_timeout = kDefaultHandshakeTimeout;
  guint64 max_latency = kDefaultMaxLatency;

  /* Under the lock; false for an id it does not hold. */
  bool set (guint property, const GValue * value);
  bool get (guint property, GValue * value);

  /* What the server is started with. The caller holds the lock. */
  sessionctx::ServerConfig server_config () const;
};
