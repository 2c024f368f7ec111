/* Keyframe requests of a WebRTC peer's video, both ways, and their counts.
 *
 * From the client: webrtcbin turns each PLI or FIR into an upstream
 * GstForceKeyUnit event that reaches the encoder of the video sent back
 * (through the payloader), which then makes a keyframe. To the client: an
 * upstream GstForceKeyUnit event from a receive chain (its decoder on an
 * error, its depayloader on a loss, the peer when the video starts) makes
 * webrtcbin send PLI (FIR with all-headers).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/videocounters.h"

#include <gst/gst.h>

#include <atomic>

/* What one peer's video counted; read from any thread (stats, /metrics). */
struct KeyframeCounters
{
  /* PLI/FIR from the client that reached the encoder of what is sent back:
   * each asks it for a keyframe (it makes at most one per
   * kEncoderMinKeyframeInterval). */
  std::atomic<guint64> requests_received { 0 };
  /* Requests for a keyframe sent to the client (as PLI/FIR by webrtcbin). */
  std::atomic<guint64> requests_sent { 0 };
  /* Requests made within KeyframeRequests::kMinInterval of the last one
   * sent: not sent. */
  std::atomic<guint64> requests_suppressed { 0 };
};

/* The least time between two keyframes the encoder makes on request (its
 * min-force-key-unit-interval): a client sending PLI after PLI gets at
 * most four keyframes a second. */
constexpr GstClockTime kEncoderMinKeyframeInterval = 250 * GST_MSECOND;

/* One peer's keyframe requests. The probes it adds hold a plain pointer
 * to it: its owner (the peer) stops the chains before freeing it. */
class KeyframeRequests
{
public:
  /* The least time between two requests sent to the client. */
  static constexpr gint64 kMinIntervalUs = 500 * G_TIME_SPAN_MILLISECOND;

  /* What is counted is also counted into @video (the session's: stats,
   * /metrics), when set; before the chains are made. */
  void report_to (sessionctx::VideoCounters * video)
  {
    video_ = video;
  }
  /* Counts the requests that reach @send_chain's src pad from webrtcbin
   * (the client's PLI/FIR). */
  void watch_send_chain (GstElement * send_chain);
  /* Every request @receive_chain's elements make goes through its sink
   * pad: there at most one per kMinIntervalUs goes on to webrtcbin, the
   * rest are dropped; both counted. */
  void gate_receive_chain (GstElement * receive_chain);
  /* Asks the client for a keyframe (PLI) through @chain_sink, the sink pad
   * of a gated receive chain (the gate decides). */
  static void request (GstPad * chain_sink);

  /* Whether a request made at @now_us (monotonic) may be sent; if so it
   * counts as the last one sent. */
  bool admit (gint64 now_us);

  const KeyframeCounters & counters () const
  {
    return counters_;
  }
  /* A request from the client reached the encoder. */
  void count_received ();

private:
  KeyframeCounters counters_;
  sessionctx::VideoCounters *video_ = nullptr;
  /* Long before any monotonic time: the first request is sent. */
  std::atomic<gint64> last_sent_us_ { G_MININT64 / 2 };
};
