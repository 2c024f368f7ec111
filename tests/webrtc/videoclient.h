/* A WebRTC client with a camera for the keyframe and codec tests: a
 * webrtcbin sending a picture only it sends (VP8 or H.264), decoding what
 * comes back. It notes when keyframes come back (buffers without
 * DELTA_UNIT after the depayloader), asks the server for one (an upstream
 * GstForceKeyUnit on its receive side: webrtcbin sends PLI, or FIR with
 * all-headers), counts the server's requests for one (GstForceKeyUnit
 * events reaching its own encoder) and can corrupt what it encodes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/fixture.h"
#include "webrtc/picture.h"

#include <gst/rtp/rtp.h>
#include <gst/video/video.h>

#include <atomic>
#include <functional>

namespace {

/* The lines of @sdp that start with @prefix. */
inline std::vector<std::string>
sdp_lines (const std::string & sdp, const char *prefix)
{
  std::vector<std::string> out;
  gchar **lines = g_strsplit (sdp.c_str (), "\n", -1);
  for (gchar ** l = lines; *l; l++) {
    g_strchomp (*l);
    if (g_str_has_prefix (*l, prefix))
      out.push_back (*l);
  }
  g_strfreev (lines);
  return out;
}

inline bool
has_line (const std::string & sdp, const std::string & line)
{
  for (auto & l : sdp_lines (sdp, line.c_str ()))
    if (l == line)
      return true;
  return false;
}

enum class Codec
{
  vp8,
  h264,
};

class CameraClient
{
public:
  /* @video_src: the camera (a videotestsrc description); @codec: what it
   * encodes and offers; its encoder makes a keyframe every
   * @keyframe_every frames (and when asked). */
  CameraClient (std::string id, const std::string & video_src, Codec codec,
      int keyframe_every = 15):id_ (std::move (id)), codec_ (codec)
  {
    std::string enc = codec == Codec::vp8 ?
        "vp8enc name=enc deadline=1 cpu-used=8 keyframe-max-dist=" +
        std::to_string (keyframe_every) + " ! rtpvp8pay name=pay pt=96 ! "
        "application/x-rtp,media=video,encoding-name=VP8,payload=96,"
        "clock-rate=90000" :
        "openh264enc name=enc complexity=low rate-control=bitrate "
        "bitrate=600000 gop-size=" + std::to_string (keyframe_every) +
        " ! h264parse ! rtph264pay name=pay pt=102 config-interval=-1 "
        "aggregate-mode=zero-latency ! application/x-rtp,media=video,"
        "encoding-name=H264,payload=102,clock-rate=90000";
    std::string desc = video_src + " ! video/x-raw,width=320,height=240,"
        "framerate=15/1 ! videoconvert ! " + enc +
        " ! webrtcbin name=w bundle-policy=max-bundle";
    GError *err = nullptr;
    pipe_ = gst_parse_launch (desc.c_str (), &err);
    g_assert_no_error (err);
    webrtc_ = gst_bin_get_by_name (GST_BIN (pipe_), "w");
    test::ice_on_loopback_only (webrtc_);
    g_signal_connect (webrtc_, "pad-added", G_CALLBACK (on_pad), this);
    GstElement *pay = gst_bin_get_by_name (GST_BIN (pipe_), "pay");
    GstPad *pay_src = gst_element_get_static_pad (pay, "src");
    gst_pad_add_probe (pay_src, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER |
            GST_PAD_PROBE_TYPE_BUFFER_LIST), on_payloaded, this, nullptr);
    gst_object_unref (pay_src);
    gst_object_unref (pay);
    GstElement *encoder = gst_bin_get_by_name (GST_BIN (pipe_), "enc");
    GstPad *enc_src = gst_element_get_static_pad (encoder, "src");
    gst_pad_add_probe (enc_src, (GstPadProbeType)
        GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_encoded, this, nullptr);
    gst_object_unref (enc_src);
    gst_object_unref (encoder);
    gst_element_set_state (pipe_, GST_STATE_PLAYING);
    g_signal_emit_by_name (webrtc_, "create-data-channel", "text", NULL,
        &channel_);
  }
  ~CameraClient ()
  {
    stop ();
    if (channel_)
      g_object_unref (channel_);
    if (depay_sink_)
      gst_object_unref (depay_sink_);
    gst_object_unref (webrtc_);
    gst_object_unref (pipe_);
  }

  /* Offers (@edit may rewrite the offer's text first), sets the answer. */
  HttpReply connect (guint port, std::function<std::string (const
          std::string &)> edit = nullptr)
  {
    std::string offer = test::make_offer (webrtc_);
    g_assert_false (offer.empty ());
    if (edit)
      offer = edit (offer);
    offer_ = offer;
    HttpReply r = post (port, test::offer_body (offer, id_));
    if (r.status == 200 && json_field (r.body, "type") == "answer") {
      answer_ = json_field (r.body, "sdp");
      g_assert_true (test::set_answer (webrtc_, answer_));
    }
    return r;
  }
  void stop ()
  {
    {
      std::lock_guard < std::mutex > l (lock_);
      stopped_ = true;
    }
    test::stop_client (pipe_);
  }

  /* Asks the server for a keyframe: PLI, or FIR with @all_headers. False
   * when nothing came back yet, or no element took the request. */
  bool request_keyframe (bool all_headers)
  {
    GstPad *pad;
    {
      std::lock_guard < std::mutex > l (lock_);
      pad = depay_sink_ ? GST_PAD (gst_object_ref (depay_sink_)) : nullptr;
    }
    if (!pad)
      return false;
    bool ok = gst_pad_push_event (pad,
        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
            all_headers, ++fku_count_));
    gst_object_unref (pad);
    return ok;
  }
  /* The next @n VP8 frames it sends (keyframes excepted, and frames of
   * more than one packet) go out corrupt: in the RTP packet their frame
   * tag says the first partition is longer than the frame (vp8dec:
   * "Truncated packet or corrupt partition"; rtpvp8pay refuses to send
   * such a frame, so it is changed after it). */
  void corrupt_next (int n)
  {
    std::lock_guard < std::mutex > l (lock_);
    corrupt_ += n;
  }
  int corrupted ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return corrupted_;
  }

  const std::string & id () const { return id_; }
  Codec codec () const { return codec_; }
  const std::string & offer () const { return offer_; }
  const std::string & answer () const { return answer_; }
  GstElement *pipeline () const { return pipe_; }
  /* The encoding name of what comes back ("" before it comes). */
  std::string received_encoding ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return encoding_;
  }
  size_t frames ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return frames_;
  }
  Picture last_picture ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return last_;
  }
  /* Monotonic times (µs) at which keyframes came back. */
  std::vector<gint64> keyframes ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return keyframes_;
  }
  /* Microseconds since the last keyframe came back (G_MAXINT64: none
   * yet). */
  gint64 since_last_keyframe ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return keyframes_.empty ()? G_MAXINT64 : g_get_monotonic_time () -
        keyframes_.back ();
  }
  /* Asks for a keyframe (PLI, or FIR with @fir) at least 700 ms after the
   * last one came, when the server's periodic one (every 60 frames, 4 s
   * at 15 frames a second) is far: the milliseconds until one came, or -1
   * if none came within @timeout_ms. */
  double keyframe_after_request (bool fir, guint timeout_ms = 1000)
  {
    if (!test::wait_for ([&] {
              return since_last_keyframe () >= 700000;
            }, 10000))
      return -1;
    const size_t n = keyframes ().size ();
    const gint64 asked = g_get_monotonic_time ();
    if (!request_keyframe (fir) || !test::wait_for ([&] {
              return keyframes ().size () > n;
            }, timeout_ms))
      return -1;
    return (keyframes ()[n] - asked) / 1000.0;
  }
  /* Keyframe requests that reached its encoder (the server's PLI/FIR),
   * with their monotonic times (µs). */
  std::vector<gint64> requests ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return requests_;
  }

private:
  static GstPadProbeReturn on_encoded (GstPad *, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<CameraClient *> (data);
    if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info))) {
      std::lock_guard < std::mutex > l (self->lock_);
      self->requests_.push_back (g_get_monotonic_time ());
    }
    return GST_PAD_PROBE_OK;
  }
  static GstPadProbeReturn on_payloaded (GstPad *, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<CameraClient *> (data);
    std::lock_guard < std::mutex > l (self->lock_);
    if (self->corrupt_ == 0 || self->codec_ != Codec::vp8)
      return GST_PAD_PROBE_OK;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
      GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
          (info));
      GST_PAD_PROBE_INFO_DATA (info) = buf;
      self->corrupt_packet (buf);
      return GST_PAD_PROBE_OK;
    }
    GstBufferList *list = gst_buffer_list_make_writable
        (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
    GST_PAD_PROBE_INFO_DATA (info) = list;
    gst_buffer_list_foreach (list,[](GstBuffer ** buf, guint,
            gpointer data)->gboolean {
          *buf = gst_buffer_make_writable (*buf);
          static_cast<CameraClient *> (data)->corrupt_packet (*buf);
          return TRUE;
        }, self);
    return GST_PAD_PROBE_OK;
  }
  /* With #lock_: corrupts @buf (writable) if it is a whole inter frame. */
  void corrupt_packet (GstBuffer * buf)
  {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (corrupt_ == 0 || !gst_rtp_buffer_map (buf, GST_MAP_READWRITE, &rtp))
      return;
    auto *p = (guint8 *) gst_rtp_buffer_get_payload (&rtp);
    const guint size = gst_rtp_buffer_get_payload_len (&rtp);
    /* The VP8 payload descriptor (RFC 7741, 4.2), then the frame. */
    guint at = 1;
    if (size > 1 && (p[0] & 0x80)) {
      const guint8 x = p[1];
      at = 2;
      if ((x & 0x80) && at < size)
        at += (p[at] & 0x80) ? 2 : 1;
      if (x & 0x40)
        at++;
      if (x & 0x30)
        at++;
    }
    const bool starts = size > 0 && (p[0] & 0x10) && (p[0] & 0x07) == 0;
    if (starts && gst_rtp_buffer_get_marker (&rtp) && size >= at + 10 &&
        (p[at] & 0x01)) {
      /* The frame tag: bit 0 the frame type (1: inter), bits 5-23 the
       * first partition's size, here 2^19 - 1 bytes. */
      p[at] |= 0xe0;
      p[at + 1] = p[at + 2] = 0xff;
      corrupt_--;
      corrupted_++;
    }
    gst_rtp_buffer_unmap (&rtp);
  }

  static void on_pad (GstElement *, GstPad * pad, CameraClient * self)
  {
    if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
      return;
    std::lock_guard < std::mutex > l (self->lock_);
    if (self->stopped_)
      return;
    const bool video = test::pad_caps_field (pad, "media") == "video";
    const std::string name = test::pad_caps_field (pad, "encoding-name");
    g_test_message ("%s: incoming %s %s", self->id_.c_str (), video ?
        "video" : "other", name.c_str ());
    const char *desc = !video ? "fakesink name=out sync=false async=false" :
        g_ascii_strcasecmp (name.c_str (), "H264") == 0 ?
        "rtph264depay name=depay ! h264parse ! openh264dec ! videoconvert ! "
        "video/x-raw,format=RGB ! fakesink name=out sync=false async=false" :
        "rtpvp8depay name=depay ! vp8dec ! videoconvert ! "
        "video/x-raw,format=RGB ! fakesink name=out sync=false async=false";
    if (!video) {
      test::link_decoder (self->pipe_, pad, desc, nullptr, nullptr);
      return;
    }
    self->encoding_ = name;
    test::link_decoder (self->pipe_, pad, desc, on_picture, self,
        [self](GstBin * bin) {
          GstElement *depay = gst_bin_get_by_name (bin, "depay");
          GstPad *depay_src = gst_element_get_static_pad (depay, "src");
          gst_pad_add_probe (depay_src, GST_PAD_PROBE_TYPE_BUFFER,
              on_depayloaded, self, nullptr);
          gst_object_unref (depay_src);
          if (self->depay_sink_)
            gst_object_unref (self->depay_sink_);
          self->depay_sink_ = gst_element_get_static_pad (depay, "sink");
          gst_object_unref (depay);
        });
  }
  static GstPadProbeReturn on_depayloaded (GstPad *, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<CameraClient *> (data);
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    if (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT)) {
      std::lock_guard < std::mutex > l (self->lock_);
      self->keyframes_.push_back (g_get_monotonic_time ());
    }
    return GST_PAD_PROBE_OK;
  }
  static GstPadProbeReturn on_picture (GstPad * pad, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<CameraClient *> (data);
    Picture p;
    if (!read_picture (pad, GST_PAD_PROBE_INFO_BUFFER (info), p))
      return GST_PAD_PROBE_OK;
    std::lock_guard < std::mutex > l (self->lock_);
    self->frames_++;
    self->last_ = std::move (p);
    return GST_PAD_PROBE_OK;
  }

  std::string id_;
  Codec codec_;
  std::string offer_, answer_;
  GstElement *pipe_ = nullptr;
  GstElement *webrtc_ = nullptr;
  GstWebRTCDataChannel *channel_ = nullptr;
  std::atomic<guint> fku_count_ { 0 };
  std::mutex lock_;             /* guards everything below */
  bool stopped_ = false;
  GstPad *depay_sink_ = nullptr;
  std::string encoding_;
  size_t frames_ = 0;
  Picture last_;
  std::vector<gint64> keyframes_;
  std::vector<gint64> requests_;
  int corrupt_ = 0;
  int corrupted_ = 0;
};

}  // namespace
