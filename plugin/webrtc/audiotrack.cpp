/* A WebRTC peer's audio: Opus RTP to the element's raw audio and back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "webrtc/audiotrack.h"
#include "webrtc/webrtcpeer.h"

#include <gst/app/gstappsrc.h>

#include <initializer_list>

namespace {

/* The AudioSendClock a send chain's appsrc carries. */
GQuark
send_clock_quark ()
{
  static const GQuark q = g_quark_from_static_string ("sessionctx-send-clock");
  return q;
}

}  // namespace

void
AudioSendClock::stamp (GstBuffer * buf, size_t samples, GstClockTime now)
{
  const int rate = AudioTrackFactory::kSendRate;
  const GstClockTime earliest = GST_CLOCK_TIME_IS_VALID (now) &&
      now > kMaxLag ? now - kMaxLag : 0;
  std::lock_guard < std::mutex > l (lock_);
  if (!GST_CLOCK_TIME_IS_VALID (anchor_)) {
    anchor_ = earliest;
    samples_ = 0;
  } else if (anchor_ + gst_util_uint64_scale (samples_, GST_SECOND,
          rate) < earliest) {
    /* Past the end of what was stamped before: forward only. */
    anchor_ = earliest;
    samples_ = 0;
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  }
  const GstClockTime pts = anchor_ + gst_util_uint64_scale (samples_,
      GST_SECOND, rate);
  samples_ += samples;
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = anchor_ + gst_util_uint64_scale (samples_,
      GST_SECOND, rate) - pts;
}

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
  g_object_set_qdata_full (G_OBJECT (e[0]), send_clock_quark (),
      new AudioSendClock, [](gpointer clock) {
        delete static_cast<AudioSendClock *> (clock);
      });
  *appsrc = e[0];
  return bin;
}

GstFlowReturn
AudioTrackFactory::push_pcm (GstElement * appsrc, const int16_t * pcm,
    size_t samples)
{
  if (samples == 0)
    return GST_FLOW_OK;
  GstBuffer *buf = gst_buffer_new_memdup (pcm, samples * sizeof (int16_t));
  if (auto *clock = static_cast<AudioSendClock *> (g_object_get_qdata
          (G_OBJECT (appsrc), send_clock_quark ())))
    clock->stamp (buf, samples, gst_element_get_current_running_time
        (appsrc));
  return gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf);
}
