/* The `stats` property's value: one structure per live session and the
 * server's totals, read from atomics and a copy of the session table
 * (never waiting on an I/O thread).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "server/server.h"

#include <gst/gst.h>

namespace sessionctx {

/* `sessionctx-stats`: sessions (uint), the totals (guint64:
 * frames-received, bytes-received, frames-sent, bytes-sent, frames-dropped,
 * audio-dropped (ns), sessions-started, sessions-ended, protocol-errors,
 * and the video fields below but bitrates, jitter and losses),
 * and fields `session-0`, `session-1`, … (in the order of their ids), each a
 * `session` structure: id, transport, dialect (strings), started
 * (boolean), remote-address (string, once started), start-time (gint64,
 * wall clock in µs since the epoch, once started), frames-received,
 * bytes-received, frames-sent, bytes-sent, frames-dropped,
 * audio-dropped (GstClockTime: input audio dropped for being older than
 * max-latency), input-backlog-max (GstClockTime: the oldest audio its pad
 * queue held), send-queue-bytes (guint64), last-media-age (GstClockTime,
 * once started);
 * WebRTC sessions add round-trip, jitter (double, seconds) and
 * packets-lost (gint64) once webrtcbin reported them (of its audio);
 * sessions with video (either way) add guint64 video-frames-received,
 * video-frames-sent, video-frames-dropped-framerate,
 * video-frames-dropped-queue, video-keyframe-requests-received,
 * video-keyframe-requests-sent, video-bytes-received, video-bytes-sent
 * (RTP payload) and, once webrtcbin reported them, video-bitrate-received
 * and video-bitrate-sent (double, bit/s), video-jitter (double, s) and
 * video-packets-lost (gint64). Client ids are any string, hence the
 * numbered field names. */
GstStructure *stats_structure (Server & server);

/* One session's `session` structure, as in the above (@id: the table's
 * copy; the session's own id () may be being set right now). */
GstStructure *session_stats_structure (const std::string & id,
    const Session & s);

/* An empty `sessionctx-stats` (no server running). */
GstStructure *stats_structure_empty ();

}  // namespace sessionctx
