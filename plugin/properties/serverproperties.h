/* The server properties of sessionsrc (and sessionbin, which repeats
 * them): one table (serverproperties.cpp) whose rows each give a
 * property's spec (name, nick, blurb, range, default, docs) and where its
 * value lives. Installing, setting, getting and the defaults are loops
 * over it; a new property is one row.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/peersettings.h"

#include "server/server.h"

#include <gst/gst.h>

#include <mutex>

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
/* Seconds: under Kubernetes' 30 s grace with room to finish (see the
 * drain-timeout row). */
constexpr guint kDefaultDrainTimeout = 25;
/* Where plugin/demo/ is compiled in (plugin/demo/demo.gresource.xml). */
constexpr const char *kDemoPageResource = "/org/gstreamer/sessionctx/demo";

/* What sessionsrc's own pads do with the audio (not the server's). */
struct OutputSettings
{
  int rate = kDefaultRate;
  bool session_pads = false;
  GstClockTime max_latency = kDefaultMaxLatency;
  /* Session pads' shared streaming threads (0: one per core; -1: a task
   * per pad). */
  int streaming_threads = 0;
};

/* The values of the server properties, each where the table says: the
 * server's whole config, the WebRTC peers' whole settings, the pads'. */
struct ServerSettings
{
  std::mutex lock;              /* guards the three below */
  sessionctx::ServerConfig server;      /* handed to Server::start */
  PeerSettings webrtc;          /* handed to each Peer::build */
  OutputSettings output;

  /* Every value its property's default. */
  ServerSettings ();

  /* @property: the table row (the class's property id minus the first id
   * it installed them from); false for one that is not a server property.
   * Takes the lock. */
  bool set (guint property, const GValue * value, GParamSpec * pspec);
  /* As set. @server: the running server, or null: `port` then reads back
   * the bound port, `n-sessions` and `stats` are its (read without the
   * lock: ServerSettings::lock is never held with another). */
  bool get (guint property, GValue * value, GParamSpec * pspec,
      sessionctx::Server * server);
};

/* Installs every server property on @klass, those named in the
 * NULL-terminated @skip left out, row i with id @first_prop_id + i (a
 * fresh spec per class: sessionbin repeats them and forwards by name).
 * Returns the first id after the table. */
guint server_properties_install (GObjectClass * klass, guint first_prop_id,
    const char *const *skip = nullptr);
