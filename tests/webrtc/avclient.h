/* A WebRTC client (webrtcbin in this process) that sends marks in both
 * media at once: a flash (one white frame among black ones) and a beep
 * (a 1 kHz tone burst in silence) at the same instant, every second; it
 * keeps what comes back with its timestamps, and finds the marks in
 * media decoded anywhere (a recording too).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/fixture.h"

#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>

#include <cmath>

namespace avsync {

constexpr int kRate = 48000;
constexpr int kFps = 30;
/* A mark every second: frame 30 k and sample 48000 k, both at k s. */
constexpr GstClockTime kPeriod = GST_SECOND;
constexpr GstClockTime kBeep = 100 * GST_MSECOND;

/* Video as decoded: a frame's PTS, when it came (running time) and its
 * mean luma (0-255). */
struct Picture
{
  GstClockTime pts, arrival;
  double luma;
};

/* Audio as decoded, 48 kHz mono: runs of samples, each with the PTS and
 * arrival (running time) of its first sample. */
struct Sound
{
  struct Run
  {
    GstClockTime pts, arrival;
    size_t offset, n;
  };
  std::vector<Run> runs;
  std::vector<int16_t> samples;

  void add (GstClockTime pts, GstClockTime arrival, const int16_t * s,
      size_t n)
  {
    runs.push_back ({pts, arrival, samples.size (), n});
    samples.insert (samples.end (), s, s + n);
  }
};

/* A mark found: its time by PTS and by arrival. */
struct Mark
{
  GstClockTime pts, arrival;
};

/* The first frame of each run of bright ones (a flash: luma over 128). */
inline std::vector<Mark>
flashes (const std::vector<Picture> & pictures)
{
  std::vector<Mark> out;
  bool bright = false;
  for (const Picture & p : pictures) {
    const bool now = p.luma > 128;
    if (now && !bright && GST_CLOCK_TIME_IS_VALID (p.pts))
      out.push_back ({p.pts, p.arrival});
    bright = now;
  }
  return out;
}

/* Beep onsets: the first sample over a quarter of the beep's level after
 * at least 300 ms under it. */
inline std::vector<Mark>
beeps (const Sound & sound)
{
  std::vector<Mark> out;
  GstClockTime last_loud = GST_CLOCK_TIME_NONE;
  for (const Sound::Run & r : sound.runs) {
    if (!GST_CLOCK_TIME_IS_VALID (r.pts))
      continue;
    for (size_t i = 0; i < r.n; i++) {
      if (std::abs (sound.samples[r.offset + i]) < 3000)
        continue;
      const GstClockTime d = gst_util_uint64_scale (i, GST_SECOND, kRate);
      const GstClockTime t = r.pts + d;
      if (!GST_CLOCK_TIME_IS_VALID (last_loud) || t > last_loud + 300 *
          GST_MSECOND)
        out.push_back ({t, GST_CLOCK_TIME_IS_VALID (r.arrival) ? r.arrival +
                d : GST_CLOCK_TIME_NONE});
      last_loud = t;
    }
  }
  return out;
}

/* Each flash with the beep nearest to it (by PTS): beep − flash, in ms,
 * and the flash's PTS. */
struct Pair
{
  GstClockTime flash;
  double offset_ms;
};

inline std::vector<Pair>
pair_marks (const std::vector<Mark> & flash, const std::vector<Mark> & beep)
{
  std::vector<Pair> out;
  for (const Mark & f : flash) {
    double best = 1e9;
    for (const Mark & b : beep) {
      const double d = ((double) b.pts - (double) f.pts) / GST_MSECOND;
      if (std::fabs (d) < std::fabs (best))
        best = d;
    }
    if (std::fabs (best) < kPeriod / GST_MSECOND / 2)
      out.push_back ({f.pts, best});
  }
  return out;
}

inline std::string
describe (const std::vector<Pair> & pairs)
{
  std::string s;
  for (const Pair & p : pairs) {
    gchar *one = g_strdup_printf ("%s%.1f@%.2fs", s.empty ()? "" : " ",
        p.offset_ms, p.flash / 1e9);
    s += one;
    g_free (one);
  }
  return s;
}

/* A recording decoded (uridecodebin): its pictures and sound, and where
 * its media start and end (PTS). */
struct Recording
{
  std::vector<Picture> pictures;
  Sound sound;
  GstClockTime start = GST_CLOCK_TIME_NONE, end = 0;
};

namespace detail {

struct Reading
{
  GstElement *pipe;
  std::mutex lock;
  Recording rec;

  void extend (GstBuffer * buf)
  {
    const GstClockTime pts = GST_BUFFER_PTS (buf);
    if (!GST_CLOCK_TIME_IS_VALID (pts))
      return;
    if (!GST_CLOCK_TIME_IS_VALID (rec.start) || pts < rec.start)
      rec.start = pts;
    const GstClockTime end = pts + (GST_BUFFER_DURATION_IS_VALID (buf) ?
        GST_BUFFER_DURATION (buf) : 0);
    rec.end = MAX (rec.end, end);
  }
};

inline GstPadProbeReturn
on_recorded_picture (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto *r = static_cast<Reading *> (data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  gst_buffer_map (buf, &map, GST_MAP_READ);
  guint64 sum = 0;
  for (gsize i = 0; i < map.size; i++)
    sum += map.data[i];
  gst_buffer_unmap (buf, &map);
  std::lock_guard < std::mutex > l (r->lock);
  r->rec.pictures.push_back ({GST_BUFFER_PTS (buf), GST_CLOCK_TIME_NONE,
        map.size ? (double) sum / map.size : 0});
  r->extend (buf);
  return GST_PAD_PROBE_OK;
}

inline GstPadProbeReturn
on_recorded_sound (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto *r = static_cast<Reading *> (data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  gst_buffer_map (buf, &map, GST_MAP_READ);
  std::lock_guard < std::mutex > l (r->lock);
  r->rec.sound.add (GST_BUFFER_PTS (buf), GST_CLOCK_TIME_NONE,
      reinterpret_cast<const int16_t *> (map.data), map.size / 2);
  gst_buffer_unmap (buf, &map);
  r->extend (buf);
  return GST_PAD_PROBE_OK;
}

/* uridecodebin's pads: video to GRAY8, audio to 48 kHz mono S16. */
inline void
on_decoded_pad (GstElement *, GstPad * pad, Reading * r)
{
  GstCaps *caps = gst_pad_query_caps (pad, nullptr);
  const bool video = g_str_has_prefix (gst_structure_get_name
      (gst_caps_get_structure (caps, 0)), "video/");
  gst_caps_unref (caps);
  test::link_decoder (r->pipe, pad, video ?
      "queue ! videoconvert ! video/x-raw,format=GRAY8 ! fakesink name=out "
      "sync=false" : "queue ! audioconvert ! audioresample ! "
      "audio/x-raw,format=S16LE,channels=1,rate=48000 ! fakesink name=out "
      "sync=false", video ? on_recorded_picture : on_recorded_sound, r);
}

}  // namespace detail

/* @path decoded to its end. */
inline Recording
read_recording (const std::string & path)
{
  detail::Reading r;
  r.pipe = gst_pipeline_new (nullptr);
  GstElement *dec = gst_element_factory_make ("uridecodebin", nullptr);
  gchar *uri = gst_filename_to_uri (path.c_str (), nullptr);
  g_object_set (dec, "uri", uri, NULL);
  g_free (uri);
  gst_bin_add (GST_BIN (r.pipe), dec);
  g_signal_connect (dec, "pad-added", G_CALLBACK (detail::on_decoded_pad),
      &r);
  gst_element_set_state (r.pipe, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (r.pipe);
  GstMessage *m = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  g_assert_nonnull (m);
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
    GError *e = nullptr;
    gst_message_parse_error (m, &e, nullptr);
    g_error ("reading %s: %s", path.c_str (), e->message);
  }
  gst_message_unref (m);
  gst_object_unref (bus);
  gst_element_set_state (r.pipe, GST_STATE_NULL);
  gst_object_unref (r.pipe);
  std::lock_guard < std::mutex > l (r.lock);
  return std::move (r.rec);
}

/* The client. */
class AvClient
{
public:
  explicit AvClient (std::string id):id_ (std::move (id))
  {
    std::string desc = "videotestsrc name=cam is-live=true pattern=black ! "
        "video/x-raw,format=I420,width=320,height=240,framerate="
        + std::to_string (kFps) + "/1 ! vp8enc deadline=1 cpu-used=8 "
        "keyframe-max-dist=30 ! rtpvp8pay pt=96 ! application/x-rtp,"
        "media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! "
        "webrtcbin name=w bundle-policy=max-bundle  "
        "audiotestsrc name=mic is-live=true wave=silence samplesperbuffer=960 "
        "! audio/x-raw,format=S16LE,rate=48000,channels=1 ! opusenc ! "
        "rtpopuspay pt=111 ! application/x-rtp,media=audio,"
        "encoding-name=OPUS,payload=111 ! w.";
    GError *err = nullptr;
    pipe_ = gst_parse_launch (desc.c_str (), &err);
    g_assert_no_error (err);
    webrtc_ = gst_bin_get_by_name (GST_BIN (pipe_), "w");
    test::ice_on_loopback_only (webrtc_);
    probe_source ("cam", flash_probe);
    probe_source ("mic", beep_probe);
    g_signal_connect (webrtc_, "pad-added", G_CALLBACK (on_pad), this);
    gst_element_set_state (pipe_, GST_STATE_PLAYING);
    g_signal_emit_by_name (webrtc_, "create-data-channel", "text", NULL,
        &channel_);
  }
  ~AvClient ()
  {
    stop ();
    if (channel_)
      g_object_unref (channel_);
    gst_object_unref (webrtc_);
    gst_object_unref (pipe_);
  }

  test::HttpReply connect (guint port)
  {
    std::string offer = test::make_offer (webrtc_);
    g_assert_false (offer.empty ());
    test::HttpReply r = test::post (port, test::offer_body (offer, id_));
    if (r.status == 200 && test::json_field (r.body, "type") == "answer")
      g_assert_true (test::set_answer (webrtc_, test::json_field (r.body,
                  "sdp")));
    return r;
  }
  /* Like a browser's pc.close (): the data channel closes (the server
   * ends the session at once), then media stops. */
  void stop ()
  {
    {
      std::lock_guard < std::mutex > l (lock_);
      if (stopped_)
        return;
      stopped_ = true;
    }
    GstWebRTCDataChannelState st = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
    if (channel_)
      g_object_get (channel_, "ready-state", &st, NULL);
    if (st == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN) {
      gst_webrtc_data_channel_close (channel_);
      test::wait_for ([&] {
            g_object_get (channel_, "ready-state", &st, NULL);
            return st == GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
          }, 2000);
    }
    test::stop_client (pipe_);
  }

  const std::string & id () const { return id_; }
  /* The client's running time now. */
  GstClockTime now () const
  {
    return gst_element_get_current_running_time (pipe_);
  }
  std::vector<Picture> pictures ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return pictures_;
  }
  Sound sound ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return sound_;
  }
  size_t frames ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return pictures_.size ();
  }
  size_t samples ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return sound_.samples.size ();
  }
  /* The RTP timestamps of the video that came back, one per frame (as
   * its packets came, before the depayloader). */
  std::vector<guint32> video_rtp_timestamps ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return video_rtp_;
  }

private:
  void probe_source (const char *name, GstPadProbeCallback probe)
  {
    GstElement *e = gst_bin_get_by_name (GST_BIN (pipe_), name);
    GstPad *pad = gst_element_get_static_pad (e, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, probe, nullptr,
        nullptr);
    gst_object_unref (pad);
    gst_object_unref (e);
  }
  /* Frame 30 k white (Y 235), the others as they are (black). */
  static GstPadProbeReturn flash_probe (GstPad *, GstPadProbeInfo * info,
      gpointer)
  {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    const guint64 frame = gst_util_uint64_scale_round (GST_BUFFER_PTS (buf),
        kFps, GST_SECOND);
    if (frame % (kFps * kPeriod / GST_SECOND) != 0)
      return GST_PAD_PROBE_OK;
    buf = gst_buffer_make_writable (buf);
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    memset (map.data, 235, 320 * 240);  /* I420: Y first, stride 320 */
    gst_buffer_unmap (buf, &map);
    GST_PAD_PROBE_INFO_DATA (info) = buf;
    return GST_PAD_PROBE_OK;
  }
  /* Samples 48000 k to 48000 k + 4800: a 1 kHz tone. */
  static GstPadProbeReturn beep_probe (GstPad *, GstPadProbeInfo * info,
      gpointer)
  {
    GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
        (info));
    const guint64 first = gst_util_uint64_scale_round (GST_BUFFER_PTS (buf),
        kRate, GST_SECOND);
    const guint64 period = kRate * kPeriod / GST_SECOND;
    const guint64 length = kRate * kBeep / GST_SECOND;
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    auto *s = reinterpret_cast<int16_t *> (map.data);
    for (size_t i = 0; i < map.size / 2; i++) {
      const guint64 at = (first + i) % period;
      s[i] = at < length ? (int16_t) (12000 * std::sin (2 * M_PI * 1000.0 *
              at / kRate)) : 0;
    }
    gst_buffer_unmap (buf, &map);
    GST_PAD_PROBE_INFO_DATA (info) = buf;
    return GST_PAD_PROBE_OK;
  }

  static void on_pad (GstElement *, GstPad * pad, AvClient * self)
  {
    if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
      return;
    std::lock_guard < std::mutex > l (self->lock_);
    if (self->stopped_)
      return;
    const bool video = test::pad_caps_field (pad, "media") == "video";
    if (video)
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_video_rtp, self,
          nullptr);
    test::link_decoder (self->pipe_, pad, video ?
        "rtpvp8depay ! vp8dec ! videoconvert ! video/x-raw,format=GRAY8 ! "
        "fakesink name=out sync=false async=false" :
        "rtpopusdepay ! opusdec ! audioconvert ! audioresample ! "
        "audio/x-raw,format=S16LE,channels=1,rate=48000 ! fakesink name=out "
        "sync=false async=false", video ? on_picture : on_audio, self);
  }
  static GstPadProbeReturn on_video_rtp (GstPad *, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<AvClient *> (data);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ,
            &rtp))
      return GST_PAD_PROBE_OK;
    const guint32 ts = gst_rtp_buffer_get_timestamp (&rtp);
    gst_rtp_buffer_unmap (&rtp);
    std::lock_guard < std::mutex > l (self->lock_);
    if (self->video_rtp_.empty () || self->video_rtp_.back () != ts)
      self->video_rtp_.push_back (ts);
    return GST_PAD_PROBE_OK;
  }
  static GstPadProbeReturn on_picture (GstPad *, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<AvClient *> (data);
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_READ);
    guint64 sum = 0;
    for (gsize i = 0; i < map.size; i++)
      sum += map.data[i];
    gst_buffer_unmap (buf, &map);
    const GstClockTime arrival = self->now ();
    std::lock_guard < std::mutex > l (self->lock_);
    self->pictures_.push_back ({GST_BUFFER_PTS (buf), arrival, map.size ?
          (double) sum / map.size : 0});
    return GST_PAD_PROBE_OK;
  }
  static GstPadProbeReturn on_audio (GstPad *, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<AvClient *> (data);
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    const GstClockTime arrival = self->now ();
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_READ);
    {
      std::lock_guard < std::mutex > l (self->lock_);
      self->sound_.add (GST_BUFFER_PTS (buf), arrival,
          reinterpret_cast<const int16_t *> (map.data), map.size / 2);
    }
    gst_buffer_unmap (buf, &map);
    return GST_PAD_PROBE_OK;
  }

  std::string id_;
  GstElement *pipe_ = nullptr;
  GstElement *webrtc_ = nullptr;
  GstWebRTCDataChannel *channel_ = nullptr;
  std::mutex lock_;
  bool stopped_ = false;
  std::vector<Picture> pictures_;
  Sound sound_;
  std::vector<guint32> video_rtp_;
};

}  // namespace avsync
