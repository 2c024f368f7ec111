/* A WebRTC session's round trip, jitter and packets lost, from webrtcbin's
 * `get-stats`, fetched in the background and cached on the session (for
 * the `stats` property, which reads them without waiting).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "session/session.h"

#include <gst/gst.h>

#include <atomic>
#include <memory>

/* How often a peer's figures are fetched. */
constexpr gint64 kPeerStatsIntervalUs = G_USEC_PER_SEC;

/* Any thread (a peer's streaming thread): asks @webrtc for its stats when
 * @last_us is kPeerStatsIntervalUs old; the answer, on webrtcbin's
 * thread, updates @session's peer_figures. Never waits. */
void peer_stats_maybe_fetch (GstElement * webrtc,
    const std::shared_ptr<sessionctx::Session> & session,
    std::atomic<gint64> & last_us);

/* The figures of one get-stats reply into @figures (what it lacks stays). */
void peer_stats_read (const GstStructure * reply,
    sessionctx::Session::PeerFigures & figures);
