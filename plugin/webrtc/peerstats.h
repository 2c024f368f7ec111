/* A WebRTC session's round trip, jitter and packets lost, and the RTP
 * bytes of its video both ways, from webrtcbin's `get-stats`, fetched in
 * the background and cached on the session (for the `stats` property,
 * which reads them without waiting, and /metrics); what its video send
 * queue passes and drops.
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
 * thread, updates @session's peer_figures and video counters. Never
 * waits. */
void peer_stats_maybe_fetch (GstElement * webrtc,
    const std::shared_ptr<sessionctx::Session> & session,
    std::atomic<gint64> & last_us);

/* What one get-stats reply says (negative: it does not say). */
struct PeerStatsReading
{
  double round_trip_s = -1;
  /* Of the streams the client sends: audio's, video's. */
  double jitter_s = -1, video_jitter_s = -1;
  gint64 packets_lost = -1, video_packets_lost = -1;
  /* RTP payload bytes of video so far, summed over its streams: received
   * (inbound-rtp) and sent (outbound-rtp); the reply's timestamp (ms). */
  guint64 video_bytes_received = 0, video_bytes_sent = 0;
  double timestamp_ms = -1;
};

PeerStatsReading peer_stats_read (const GstStructure * reply);

/* @reading into @session: the figures it has, the video bytes when it has
 * a timestamp. */
void peer_stats_apply (const PeerStatsReading & reading,
    sessionctx::Session & session);

/* Counts the video sent back where it waits for the encoder, @appsrc (the
 * send chain's, leaky downstream): each frame leaving it (for the
 * encoder) in @counters' frame_sent (), each it drops, the oldest for a
 * newer one, in frame_dropped (send_queue). @owner, which holds
 * @counters, is kept while @appsrc may call back. A probe and a callback:
 * nothing is added to the frame's own path. */
void peer_stats_count_video_send (GstElement * appsrc,
    std::shared_ptr<const void> owner, sessionctx::VideoCounters & counters);
