/* A WebRTC peer's audio: Opus RTP to the element's raw audio and back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/audiotrack.h"
#include "webrtc/webrtcpeer.h"

#include <gst/app/gstappsrc.h>

#include <initializer_list>

bool
AudioTrackFactory::accepts (const OfferedMedia & media) const
{
  return media.kind == sessionctx::MediaKind::audio &&
      media.find_codec ("opus") != nullptr;
}

GstElement *
AudioTrackFactory::make_receive_chain (const OfferedMedia & media,
    const char *encoding, GstCaps * output_caps) const
{
  if (encoding && g_ascii_strcasecmp (encoding, "OPUS") != 0)
    return nullptr;
  GstElement *e[5];
  GstElement *bin = make_chain_bin ({"rtpopusdepay", "opusdec", "audioconvert",
          "audioresample", "capsfilter"}, e);
  if (bin)
    g_object_set (e[4], "caps", output_caps, NULL);
  return bin;
}

GstElement *
AudioTrackFactory::make_send_chain (const OfferedMedia & media,
    const PeerSettings & settings, GstElement ** appsrc) const
{
  const OfferedCodec *opus = media.find_codec ("opus");
  if (!opus)
    return nullptr;
  GstElement *e[4];
  GstElement *bin = make_chain_bin ({"appsrc", "audioconvert", "opusenc",
          "rtpopuspay"}, e);
  if (!bin)
    return nullptr;
  GstCaps *caps = gst_caps_new_simple ("audio/x-raw", "format",
      G_TYPE_STRING, "S16LE", "layout", G_TYPE_STRING, "interleaved",
      "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT, kSendRate, NULL);
  /* At most a second of audio waits; past that the oldest goes. Stamped
   * by sample count (push_pcm ()), not on arrival: opusenc counts samples
   * from its first input timestamp while later ones stay within half a
   * sample of that count (past that it follows them), and rtpopuspay's
   * RTP timestamps follow opusenc's. */
  g_object_set (e[0], "caps", caps, "format", GST_FORMAT_TIME,
      "is-live", TRUE, "do-timestamp", FALSE, "max-bytes",
      (guint64) kSendRate * 2, "leaky-type", GST_APP_LEAKY_TYPE_DOWNSTREAM,
      NULL);
  gst_caps_unref (caps);
  g_object_set (e[2], "complexity", (gint) settings.opus_complexity, NULL);
  g_object_set (e[3], "pt", opus->payload_type, NULL);
  *appsrc = e[0];
  return bin;
}

GstFlowReturn
AudioTrackFactory::push_pcm (GstElement * appsrc, SendClock & clock,
    const int16_t * pcm, size_t samples, GstClockTime media)
{
  if (samples == 0)
    return GST_FLOW_OK;
  GstBuffer *buf = gst_buffer_new_memdup (pcm, samples * sizeof (int16_t));
  clock.stamp_audio (buf, samples, kSendRate, media,
      gst_element_get_current_running_time (appsrc));
  return gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf);
}
