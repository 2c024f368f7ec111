/* FastRTC's modes with video, named from the client's side: `receive` (the
 * client only receives: a handler with source pads only, e.g. a generated
 * picture per session) and `send` (the client only sends: a handler that
 * ends in sinks). In-process webrtcbin clients whose transceivers say so.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/fixture.h"

#include <gst/video/video.h>

#include <atomic>
#include <mutex>

namespace {

/* A webrtcbin client whose media are given by @desc (its webrtcbin is
 * named w); it counts the pictures that come back, their size, and how
 * many differ from the one before. */
class ModeClient
{
public:
  ModeClient (std::string id, const std::string & desc) : id_ (std::move (id))
  {
    GError *err = nullptr;
    pipe_ = gst_parse_launch (desc.c_str (), &err);
    g_assert_no_error (err);
    if (!GST_IS_PIPELINE (pipe_)) {
      /* A lone webrtcbin: no media of the client's own. */
      GstElement *bin = gst_pipeline_new (nullptr);
      gst_bin_add (GST_BIN (bin), pipe_);
      pipe_ = bin;
    }
    webrtc_ = gst_bin_get_by_name (GST_BIN (pipe_), "w");
    test::ice_on_loopback_only (webrtc_);
    g_signal_connect (webrtc_, "pad-added", G_CALLBACK (on_pad), this);
    gst_element_set_state (pipe_, GST_STATE_PLAYING);
  }
  ~ModeClient ()
  {
    test::stop_client (pipe_);
    if (channel_)
      g_object_unref (channel_);
    gst_object_unref (webrtc_);
    gst_object_unref (pipe_);
  }

  /* A receive-only video transceiver (VP8), as a browser's
   * addTransceiver ("video", {direction: "recvonly"}). */
  void add_receive_only_video ()
  {
    GstCaps *caps = gst_caps_from_string ("application/x-rtp,media=video,"
        "encoding-name=VP8,payload=96,clock-rate=90000");
    GstWebRTCRTPTransceiver *t = nullptr;
    g_signal_emit_by_name (webrtc_, "add-transceiver",
        GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &t);
    gst_caps_unref (caps);
    g_assert_nonnull (t);
    gst_object_unref (t);
  }
  /* Every transceiver sends only. */
  void send_only ()
  {
    GArray *transceivers = nullptr;
    g_signal_emit_by_name (webrtc_, "get-transceivers", &transceivers);
    for (guint i = 0; transceivers && i < transceivers->len; i++)
      g_object_set (g_array_index (transceivers, GstWebRTCRTPTransceiver *,
              i), "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
          NULL);
    if (transceivers)
      g_array_unref (transceivers);
  }
  HttpReply connect (guint port)
  {
    g_signal_emit_by_name (webrtc_, "create-data-channel", "text", NULL,
        &channel_);
    std::string offer = test::make_offer (webrtc_);
    g_assert_false (offer.empty ());
    offer_ = offer;
    HttpReply r = post (port, test::offer_body (offer, id_));
    if (r.status == 200 && json_field (r.body, "type") == "answer")
      g_assert_true (test::set_answer (webrtc_, json_field (r.body, "sdp")));
    return r;
  }

  const std::string & offer () const { return offer_; }
  int incoming () const { return incoming_.load (); }
  size_t pictures ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return pictures_;
  }
  size_t changed ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return changed_;
  }
  std::pair<int, int> size ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return { width_, height_ };
  }

private:
  static void on_pad (GstElement *, GstPad * pad, ModeClient * self)
  {
    if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
      return;
    self->incoming_++;
    const bool video = test::pad_caps_field (pad, "media") == "video";
    test::link_decoder (self->pipe_, pad, video ?
        "rtpvp8depay ! vp8dec ! videoconvert ! video/x-raw,format=GRAY8 ! "
        "fakesink name=out sync=false async=false" :
        "fakesink name=out sync=false async=false",
        video ? on_picture : nullptr, self);
  }
  static GstPadProbeReturn on_picture (GstPad * pad, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<ModeClient *> (data);
    GstCaps *caps = gst_pad_get_current_caps (pad);
    GstVideoInfo vinfo;
    bool ok = caps && gst_video_info_from_caps (&vinfo, caps);
    if (caps)
      gst_caps_unref (caps);
    if (!ok)
      return GST_PAD_PROBE_OK;
    GstMapInfo map;
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
    if (!gst_buffer_map (b, &map, GST_MAP_READ))
      return GST_PAD_PROBE_OK;
    guint hash = 0;
    for (gsize i = 0; i < map.size; i += 7)
      hash = hash * 31 + map.data[i];
    gst_buffer_unmap (b, &map);
    std::lock_guard < std::mutex > l (self->lock_);
    if (self->pictures_ > 0 && hash != self->last_hash_)
      self->changed_++;
    self->pictures_++;
    self->last_hash_ = hash;
    self->width_ = GST_VIDEO_INFO_WIDTH (&vinfo);
    self->height_ = GST_VIDEO_INFO_HEIGHT (&vinfo);
    return GST_PAD_PROBE_OK;
  }

  std::string id_, offer_;
  GstElement *pipe_ = nullptr;
  GstElement *webrtc_ = nullptr;
  GstWebRTCDataChannel *channel_ = nullptr;
  std::atomic<int> incoming_ { 0 };
  std::mutex lock_;
  size_t pictures_ = 0, changed_ = 0;
  guint last_hash_ = 0;
  int width_ = 0, height_ = 0;
};

const char *
field (const GstStructure * s, const char *name)
{
  const char *v = gst_structure_get_string (s, name);
  return v ? v : "";
}

}  // namespace

/* `receive`: the client offers to receive video and audio and sends
 * nothing; the handler makes a picture of its own (the ball), which the
 * client gets moving at its size; no media from the client is needed for
 * the session's handler to start. */
static void
test_receive_generated_video ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 peer-timeout=3 handler=\"videotestsrc "
      "is-live=true pattern=ball ! capsfilter caps=video/x-raw,width=320,"
      "height=240,framerate=15/1\"");
  s.play ();
  ModeClient c ("receive-only", "webrtcbin name=w bundle-policy=max-bundle");
  c.add_receive_only_video ();
  HttpReply r = c.connect (s.port ());
  g_assert_cmpuint (r.status, ==, 200);
  assert_str_eq (json_field (r.body, "type"), "answer");
  g_assert_nonnull (strstr (c.offer ().c_str (), "a=recvonly"));
  g_assert_true (s.wait_started (1));
  auto started = s.bus->elements ("session-started");
  g_assert_cmpuint (started.size (), ==, 1);
  g_test_message ("session-started: media '%s', media-back '%s'",
      field (started[0], "media"), field (started[0], "media-back"));
  assert_str_eq (field (started[0], "media"), "");
  assert_str_eq (field (started[0], "media-back"), "video");
  for (auto *st : started)
    gst_structure_free (st);

  g_assert_true (test::wait_for ([&] {
        return c.pictures () >= 30;
      }, 20000));
  auto size = c.size ();
  g_test_message ("%zu pictures back, %zu changed, %dx%d", c.pictures (),
      c.changed (), size.first, size.second);
  g_assert_cmpint (size.first, ==, 320);
  g_assert_cmpint (size.second, ==, 240);
  /* The ball moves: most pictures differ from the one before. */
  g_assert_cmpuint (c.changed (), >=, c.pictures () / 2);
}

/* `send`: the client only sends (camera and microphone); the handler ends
 * in sinks; the session's video reaches it, nothing is sent back (the
 * client gets no incoming stream), and the answer says so. */
static void
test_send_only ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 peer-timeout=3 handler=\"fakesink "
      "name=a sync=false  fakesink name=v sync=false\"");
  s.play ();
  ModeClient c ("send-only", "videotestsrc is-live=true ! video/x-raw,"
      "width=160,height=120,framerate=15/1 ! vp8enc deadline=1 ! rtpvp8pay "
      "pt=96 ! application/x-rtp,media=video,encoding-name=VP8,payload=96 ! "
      "webrtcbin name=w bundle-policy=max-bundle  audiotestsrc is-live=true "
      "! opusenc ! rtpopuspay pt=111 ! application/x-rtp,media=audio,"
      "encoding-name=OPUS,payload=111 ! w.");
  c.send_only ();
  HttpReply r = c.connect (s.port ());
  g_assert_cmpuint (r.status, ==, 200);
  std::string answer = json_field (r.body, "sdp");
  g_assert_null (strstr (answer.c_str (), "a=sendrecv"));
  g_assert_true (s.wait_started (1));
  auto started = s.bus->elements ("session-started");
  g_assert_cmpuint (started.size (), ==, 1);
  assert_str_eq (field (started[0], "media"), "audio,video");
  assert_str_eq (field (started[0], "media-back"), "");
  for (auto *st : started)
    gst_structure_free (st);

  /* The session's video arrives (stats), none goes back. */
  guint64 in = 0;
  g_assert_true (test::wait_for ([&] {
        GstStructure *stats = nullptr;
        g_object_get (s.src, "stats", &stats, NULL);
        const GValue *v = gst_structure_get_value (stats, "session-0");
        if (v)
          gst_structure_get_uint64 (gst_value_get_structure (v),
              "video-frames-received", &in);
        gst_structure_free (stats);
        return in >= 20;
      }, 20000));
  test::spin (500);
  g_test_message ("video frames received %" G_GUINT64_FORMAT
      ", incoming streams at the client %d", in, c.incoming ());
  g_assert_cmpint (c.incoming (), ==, 0);
}

/* A camera at @width x @height, sending and receiving, with a data
 * channel. */
std::string
camera (int width, int height)
{
  return "videotestsrc is-live=true ! video/x-raw,width=" +
      std::to_string (width) + ",height=" + std::to_string (height) +
      ",framerate=15/1 ! vp8enc deadline=1 keyframe-max-dist=15 ! "
      "rtpvp8pay pt=96 ! application/x-rtp,media=video,encoding-name=VP8,"
      "payload=96 ! webrtcbin name=w bundle-policy=max-bundle";
}

/* Errors stay in their session: a handler that cannot take one client's
 * video (a capsfilter of another size: not-negotiated) ends that session
 * only, with reason error; the other caller's video goes on. */
static void
test_video_not_negotiated ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 peer-timeout=3 handler=\"capsfilter "
      "caps=video/x-raw,width=320,height=240\"");
  s.play ();
  ModeClient good ("fits", camera (320, 240));
  ModeClient bad ("does-not-fit", camera (160, 120));
  g_assert_cmpuint (good.connect (s.port ()).status, ==, 200);
  g_assert_cmpuint (bad.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (2));
  g_assert_true (test::wait_for ([&] {
        auto ended = s.bus->elements ("session-ended");
        bool found = false;
        for (auto *st : ended) {
          found = found || g_strcmp0 (gst_structure_get_string (st,
                  "session-id"), "does-not-fit") == 0;
          gst_structure_free (st);
        }
        return found;
      }, 20000));
  auto ended = s.bus->elements ("session-ended");
  g_assert_cmpuint (ended.size (), ==, 1);
  assert_str_eq (gst_structure_get_string (ended[0], "reason-name"),
      "error");
  for (auto *st : ended)
    gst_structure_free (st);
  /* The other one still gets its pictures, after the failure too. */
  const size_t before = good.pictures ();
  g_assert_true (test::wait_for ([&] {
        return good.pictures () >= before + 15;
      }, 10000));
  auto size = good.size ();
  g_assert_cmpint (size.first, ==, 320);
  g_assert_cmpint (bad.pictures (), ==, 0);
}

/* What holds for audio sessions holds for video ones: max-sessions
 * refuses a second camera (the failed reply FastRTC's client knows), and
 * time-limit ends a video session (reason time-limit) while it sends and
 * gets pictures. */
static void
test_video_limits ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 peer-timeout=3 max-sessions=1 time-limit=3");
  s.play ();
  ModeClient first ("first", camera (160, 120));
  ModeClient second ("second", camera (160, 120));
  g_assert_cmpuint (first.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (1));
  HttpReply r = second.connect (s.port ());
  g_test_message ("second camera: %u %s", r.status, r.body.c_str ());
  g_assert_nonnull (strstr (r.body.c_str (), "concurrency_limit_reached"));
  g_assert_true (test::wait_for ([&] {
        return first.pictures () >= 10;
      }, 15000));
  const gint64 t0 = g_get_monotonic_time ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-ended") >= 1;
      }, 10000));
  g_test_message ("ended %.1f s after its 10th picture back",
      (g_get_monotonic_time () - t0) / 1e6);
  auto ended = s.bus->elements ("session-ended");
  assert_str_eq (gst_structure_get_string (ended[0], "session-id"), "first");
  assert_str_eq (gst_structure_get_string (ended[0], "reason-name"),
      "time-limit");
  for (auto *st : ended)
    gst_structure_free (st);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/modes/receive-generated-video",
      test_receive_generated_video);
  g_test_add_func ("/modes/send-only", test_send_only);
  g_test_add_func ("/modes/video-not-negotiated", test_video_not_negotiated);
  g_test_add_func ("/modes/video-limits", test_video_limits);
  return g_test_run ();
}
