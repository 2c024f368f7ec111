/* WebRTC video: in-process webrtcbin clients send a camera picture they
 * alone send (a solid colour, or SMPTE bars) and, with a tone, their
 * microphone; what comes back is decoded and looked at pixel by pixel.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/fixture.h"
#include "webrtc/picture.h"

#include <gst/video/video.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <memory>

namespace {

/* A WebRTC client with a camera (videotestsrc @video_src: a pattern only
 * it sends), and a microphone (a tone at @freq) unless @freq is 0. It
 * keeps the last picture and the audio that come back. */
class VideoClient
{
public:
  VideoClient (std::string id, const std::string & video_src, double freq)
  :  id_ (std::move (id)), freq_ (freq)
  {
    std::string desc = video_src + " ! video/x-raw,width=320,height=240,"
        "framerate=15/1 ! videoconvert ! vp8enc deadline=1 cpu-used=8 "
        "keyframe-max-dist=15 ! rtpvp8pay pt=96 ! application/x-rtp,"
        "media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! "
        "webrtcbin name=w bundle-policy=max-bundle";
    if (freq > 0)
      desc += " audiotestsrc is-live=true wave=sine volume=0.25 freq=" +
          std::to_string ((int) freq) + " ! audioconvert ! audioresample ! "
          "audio/x-raw,rate=48000,channels=1 ! opusenc ! rtpopuspay pt=111 ! "
          "application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! w.";
    GError *err = nullptr;
    pipe_ = gst_parse_launch (desc.c_str (), &err);
    g_assert_no_error (err);
    webrtc_ = gst_bin_get_by_name (GST_BIN (pipe_), "w");
    test::ice_on_loopback_only (webrtc_);
    g_signal_connect (webrtc_, "pad-added", G_CALLBACK (on_pad), this);
    gst_element_set_state (pipe_, GST_STATE_PLAYING);
    g_signal_emit_by_name (webrtc_, "create-data-channel", "text", NULL,
        &channel_);
  }
  ~VideoClient ()
  {
    stop ();
    if (channel_)
      g_object_unref (channel_);
    gst_object_unref (webrtc_);
    gst_object_unref (pipe_);
  }

  HttpReply connect (guint port)
  {
    std::string offer = test::make_offer (webrtc_);
    g_assert_false (offer.empty ());
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

  const std::string & id () const { return id_; }
  double freq () const { return freq_; }
  const std::string & answer () const { return answer_; }
  /* webrtcbin's connection and ICE connection states, for messages. */
  std::string states ()
  {
    GstWebRTCPeerConnectionState pc;
    GstWebRTCICEConnectionState ice;
    g_object_get (webrtc_, "connection-state", &pc, "ice-connection-state",
        &ice, NULL);
    return "connection " + std::to_string ((int) pc) + ", ice " +
        std::to_string ((int) ice);
  }
  size_t frames ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return frames_;
  }
  Picture last_frame ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return last_;
  }
  std::vector<int16_t> audio ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return audio_;
  }

private:
  static void on_pad (GstElement *, GstPad * pad, VideoClient * self)
  {
    if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
      return;
    std::lock_guard < std::mutex > l (self->lock_);
    if (self->stopped_)
      return;
    const bool video = test::pad_caps_field (pad, "media") == "video";
    g_test_message ("%s: incoming %s", self->id_.c_str (), video ? "video" :
        "audio");
    test::link_decoder (self->pipe_, pad, video ?
        "rtpvp8depay ! vp8dec ! videoconvert ! video/x-raw,format=RGB ! "
        "fakesink name=out sync=false async=false" :
        "rtpopusdepay ! opusdec ! audioconvert ! audioresample ! "
        "audio/x-raw,format=S16LE,channels=1,rate=48000 ! fakesink name=out "
        "sync=false async=false", video ? on_picture : on_audio, self);
  }
  static GstPadProbeReturn on_picture (GstPad * pad, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<VideoClient *> (data);
    Picture f;
    if (!read_picture (pad, GST_PAD_PROBE_INFO_BUFFER (info), f))
      return GST_PAD_PROBE_OK;
    std::lock_guard < std::mutex > l (self->lock_);
    self->frames_++;
    self->last_ = std::move (f);
    return GST_PAD_PROBE_OK;
  }
  static GstPadProbeReturn on_audio (GstPad *, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<VideoClient *> (data);
    GstMapInfo map;
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
    gst_buffer_map (b, &map, GST_MAP_READ);
    std::lock_guard < std::mutex > l (self->lock_);
    auto *s = (const int16_t *) map.data;
    self->audio_.insert (self->audio_.end (), s, s + map.size / 2);
    gst_buffer_unmap (b, &map);
    return GST_PAD_PROBE_OK;
  }

  std::string id_;
  double freq_;
  std::string answer_;
  GstElement *pipe_ = nullptr;
  GstElement *webrtc_ = nullptr;
  GstWebRTCDataChannel *channel_ = nullptr;
  std::mutex lock_;
  bool stopped_ = false;
  size_t frames_ = 0;
  Picture last_;
  std::vector<int16_t> audio_;
};

/* The msid stream ids of the answer's media (a=msid:STREAM TRACK). */
std::set<std::string>
answer_stream_ids (const std::string & sdp)
{
  std::set<std::string> ids;
  size_t at = 0;
  while ((at = sdp.find ("a=msid:", at)) != std::string::npos) {
    at += 7;
    size_t end = sdp.find_first_of (" \r\n", at);
    ids.insert (sdp.substr (at, end - at));
  }
  return ids;
}

}  // namespace

/* sessionbin without a handler echoes every kind: three clients, each with
 * a colour and a tone only it sends, get their own picture (the colour,
 * through VP8 twice) and their own tone back, never another's; the answer
 * puts audio and video in one media stream. */
static void
test_sessionbin_echo ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 opus-complexity=2 peer-timeout=2");
  s.play ();
  const std::array<int, 3> colours[3] = {
    {255, 0, 0}, {0, 200, 0}, {0, 0, 255}
  };
  const guint32 hex[3] = { 0xff0000, 0x00c800, 0x0000ff };
  const double freqs[3] = { 450, 900, 1400 };
  std::vector<std::unique_ptr<VideoClient>> clients;
  for (int i = 0; i < 3; i++) {
    clients.push_back (std::make_unique<VideoClient> ("camera-" +
            std::to_string (i), solid_colour (hex[i]), freqs[i]));
    HttpReply r = clients.back ()->connect (s.port ());
    g_assert_cmpuint (r.status, ==, 200);
    assert_str_eq (json_field (r.body, "type"), "answer");
  }
  bool all = test::wait_for ([&] {
        for (auto & c : clients)
          if (c->frames () < 20 || c->audio ().size () < 48000)
            return false;
        return true;
      }, 20000);
  for (auto & c : clients)
    g_test_message ("%s: %zu frames, %zu samples back (%s)", c->id ()
        .c_str (), c->frames (), c->audio ().size (), c->states ().c_str ());
  g_assert_true (all);
  for (int i = 0; i < 3; i++) {
    auto & c = clients[i];
    Picture f = c->last_frame ();
    auto centre = f.at (0.5, 0.5);
    g_test_message ("%s: %zu frames back, %dx%d, centre %d,%d,%d", c->id ()
        .c_str (), c->frames (), f.width, f.height, centre[0], centre[1],
        centre[2]);
    g_assert_cmpint (f.width, ==, 320);
    g_assert_cmpint (f.height, ==, 240);
    for (int j = 0; j < 3; j++) {
      if (j == i)
        g_assert_cmpfloat (rgb_distance (centre, colours[j]), <, 60);
      else
        g_assert_cmpfloat (rgb_distance (centre, colours[j]), >, 150);
    }
    double f0 = tone_of (c->audio ());
    g_assert_cmpfloat (std::fabs (f0 - c->freq ()), <, c->freq () * 0.05);
    /* Audio and video back never in two streams (FastRTC's client plays
     * the first). Both send pads carry one msid, but webrtcbin 1.22 writes
     * msid (as a=ssrc lines) only once it knows a pad's SSRC, which an
     * answer made before anything was sent does not: then neither m-line
     * names a stream. */
    auto ids = answer_stream_ids (c->answer ());
    g_assert_cmpuint (ids.size (), <=, 1);
  }
  for (auto & c : clients)
    c->stop ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-handler-done") >= 3;
      }, 15000));
  for (auto *st : s.bus->elements ("session-handler-done")) {
    assert_str_eq (gst_structure_get_string (st, "result"), "finished");
    gst_structure_free (st);
  }
}

/* A camera alone (no microphone) is a session; a handler that takes video
 * only flips it, and the flipped picture comes back: SMPTE bars sent, the
 * left edge comes back as the right edge was (blue, not grey). */
static void
test_video_only_flip ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 peer-timeout=2 handler=\"videoflip video-direction=horiz\"");
  s.play ();
  VideoClient c ("camera-only", "videotestsrc is-live=true pattern=smpte", 0);
  HttpReply r = c.connect (s.port ());
  g_assert_cmpuint (r.status, ==, 200);
  assert_str_eq (json_field (r.body, "type"), "answer");
  g_assert_true (test::wait_for ([&] {
        return c.frames () >= 20;
      }, 20000));
  Picture f = c.last_frame ();
  auto left = f.at (0.03, 0.3), right = f.at (0.97, 0.3);
  g_test_message ("%zu frames back: left %d,%d,%d right %d,%d,%d", c.frames (),
      left[0], left[1], left[2], right[0], right[1], right[2]);
  /* SMPTE (100 % bars here): white on the left, blue on the right. */
  g_assert_cmpfloat (rgb_distance (left, {0, 0, 255}), <, 70);
  g_assert_cmpfloat (rgb_distance (right, {255, 255, 255}), <, 70);
  g_assert_true (c.audio ().empty ());
  c.stop ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-handler-done") >= 1;
      }, 15000));
}

/* Whatever sessionbin added for its handlers (the handlers and their
 * output stages, every element inside them too): its children but its
 * inner session source. */
static std::vector<std::string>
handler_element_names (GstElement * sessionbin)
{
  std::vector<std::string> names;
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (sessionbin));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    auto *e = GST_ELEMENT (g_value_get_object (&v));
    bool inner_source = false;
    for (GstObject * o = GST_OBJECT (e); o && o != GST_OBJECT (sessionbin);
        o = GST_OBJECT_PARENT (o)) {
      GstElementFactory *f = gst_element_get_factory (GST_ELEMENT (o));
      if (f && g_str_equal (GST_OBJECT_NAME (f), "sessionsrc"))
        inner_source = true;
    }
    if (!inner_source)
      names.push_back (GST_OBJECT_NAME (e));
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return names;
}

/* A video handler costs no thread per session (issue 22): three clients
 * through `videoflip`, each gets frames back, and no thread of the
 * process is a task of a handler or of its output stage (the output stage
 * is an appsink on the thread that runs the handler; the peer's own send
 * chain encodes). */
static void
test_handler_threads ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 peer-timeout=2 streaming-threads=1 "
      "handler=\"videoflip video-direction=horiz\"");
  s.play ();
  std::vector<std::unique_ptr<VideoClient>> clients;
  for (int i = 0; i < 3; i++) {
    clients.push_back (std::make_unique<VideoClient> ("flip-" +
            std::to_string (i), "videotestsrc is-live=true pattern=smpte", 0));
    g_assert_cmpuint (clients.back ()->connect (s.port ()).status, ==, 200);
  }
  bool all = test::wait_for ([&] {
        for (auto & c : clients)
          if (c->frames () < 20)
            return false;
        return true;
      }, 20000);
  std::vector<std::string> threads = test::thread_names ();
  std::vector<std::string> elements = handler_element_names (s.src);
  for (auto & c : clients)
    g_test_message ("%s: %zu frames back", c->id ().c_str (), c->frames ());
  g_assert_true (all);
  std::string listed;
  for (const auto & t : threads)
    listed += t + " ";
  g_test_message ("threads: %s", listed.c_str ());
  /* Three videoflips and three output stages at least. */
  g_assert_cmpuint (elements.size (), >=, 6);
  for (const auto & e : elements) {
    const std::string task = (e + ":").substr (0, 15);
    for (const auto & t : threads)
      if (t.compare (0, task.size (), task) == 0)
        g_error ("thread %s is a task of %s, a handler's", t.c_str (),
            e.c_str ());
  }
  g_assert_cmpint (std::count (threads.begin (), threads.end (),
          std::string ("sessionctx-pad")), <=, 4);
  for (auto & c : clients)
    c->stop ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-handler-done") >= 3;
      }, 15000));
}

/* session-pads: a video_src_N pad beside the session's src_N, raw video
 * with the session's sticky context and its meta on every buffer. */
struct PadsSeen
{
  GstElement *pipeline = nullptr;
  std::mutex lock;
  std::vector<std::string> pads;        /* "name=session id" */
  std::vector<std::string> stream_ids;  /* their stream-start's, in turn */
  size_t video_buffers = 0, without_meta = 0;
  std::string caps;
};

static void
test_session_pads ()
{
  Server s ("session-pads=true", false);
  PadsSeen seen;
  seen.pipeline = s.pipeline;
  g_signal_connect (s.src, "pad-added", G_CALLBACK (+[](GstElement *,
              GstPad * pad, PadsSeen * seen) {
            auto ctx = gst::session::current (pad, nullptr);
            g_assert_true (bool (ctx));
            const bool video = g_str_has_prefix (GST_PAD_NAME (pad), "video_");
            {
              std::lock_guard < std::mutex > l (seen->lock);
              seen->pads.push_back (std::string (GST_PAD_NAME (pad)) + "=" +
                  ctx.id ());
              seen->stream_ids.push_back (test::stream_id_of (pad));
              if (video) {
                GstCaps *caps = gst_pad_get_current_caps (pad);
                gchar *text = gst_caps_to_string (caps);
                seen->caps = text;
                g_free (text);
                gst_caps_unref (caps);
              }
            }
            test::link_probed_fakesink (GST_BIN (seen->pipeline), pad,
                (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER |
                    GST_PAD_PROBE_TYPE_BUFFER_LIST),
                video ? +[](GstPad *, GstPadProbeInfo * info, gpointer data) {
                  auto *seen = static_cast<PadsSeen *> (data);
                  std::lock_guard < std::mutex > l (seen->lock);
                  test::for_each_buffer (info,[&](GstBuffer * b) {
                        seen->video_buffers++;
                        seen->without_meta += !gst_buffer_get_session_meta (b);
                      });
                  return GST_PAD_PROBE_OK;
                } : +[](GstPad *, GstPadProbeInfo *, gpointer) {
                  return GST_PAD_PROBE_OK;
                }, seen);
          }), &seen);
  VideoClient c ("pads", solid_colour (0x00ff00), 600);
  HttpReply r = c.connect (s.port ());
  g_assert_cmpuint (r.status, ==, 200);
  bool enough = test::wait_for ([&] {
        std::lock_guard < std::mutex > l (seen.lock);
        return seen.video_buffers >= 20;
      }, 15000);
  c.stop ();
  std::lock_guard < std::mutex > l (seen.lock);
  std::sort (seen.pads.begin (), seen.pads.end ());
  for (auto & p : seen.pads)
    g_test_message ("pad %s", p.c_str ());
  g_test_message ("video caps %s, %zu video buffers", seen.caps.c_str (),
      seen.video_buffers);
  g_assert_cmpuint (seen.pads.size (), ==, 2);
  g_assert_true (g_str_has_prefix (seen.pads[0].c_str (), "src_"));
  g_assert_true (g_str_has_prefix (seen.pads[1].c_str (), "video_src_"));
  /* The same number and session: src_N=pads and video_src_N=pads. */
  assert_str_eq (seen.pads[0].substr (4), seen.pads[1].substr (10));
  /* One stream id per kind: "HASH/pads" and "HASH/video/pads", one hash. */
  std::sort (seen.stream_ids.begin (), seen.stream_ids.end ());
  g_test_message ("stream ids %s, %s", seen.stream_ids[0].c_str (),
      seen.stream_ids[1].c_str ());
  const std::string base = test::stream_id_hash (seen.stream_ids[0]);
  assert_str_eq (seen.stream_ids[0], base + "/pads");
  assert_str_eq (seen.stream_ids[1], base + "/video/pads");
  g_assert_true (enough);
  /* session-started names the media both ways. */
  auto started = s.bus->elements ("session-started");
  g_assert_cmpuint (started.size (), ==, 1);
  assert_str_eq (gst_structure_get_string (started[0], "media"),
      "audio,video");
  assert_str_eq (gst_structure_get_string (started[0], "media-back"),
      "audio,video");
  for (auto *st : started)
    gst_structure_free (st);
  g_assert_true (g_str_has_prefix (seen.caps.c_str (), "video/x-raw"));
  g_assert_cmpuint (seen.without_meta, ==, 0);
}

/* What a recording holds: its video's last picture, its frames and its
 * audio (48 kHz mono), decoded to the end. */
struct Recording
{
  Picture last;
  size_t frames = 0;
  std::vector<int16_t> audio;
  GstClockTime video_end = 0;
};

static Recording
read_webm (const std::string & path)
{
  std::string desc = "filesrc location=" + path + " ! matroskademux name=d "
      "d.video_0 ! queue ! vp8dec ! videoconvert ! video/x-raw,format=RGB ! "
      "fakesink name=v sync=false  d.audio_0 ! queue ! opusdec ! "
      "audioconvert ! audioresample ! audio/x-raw,format=S16LE,channels=1,"
      "rate=48000 ! fakesink name=a sync=false";
  GError *err = nullptr;
  GstElement *pipe = gst_parse_launch (desc.c_str (), &err);
  g_assert_no_error (err);
  Recording rec;
  std::mutex lock;
  struct Ctx
  {
    Recording *rec;
    std::mutex *lock;
  } ctx { &rec, &lock };
  GstElement *v = gst_bin_get_by_name (GST_BIN (pipe), "v");
  GstPad *vpad = gst_element_get_static_pad (v, "sink");
  gst_pad_add_probe (vpad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad * pad, GstPadProbeInfo * info, gpointer data) {
        auto *ctx = static_cast<Ctx *> (data);
        GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
        Picture f;
        if (read_picture (pad, buf, f)) {
          std::lock_guard < std::mutex > l (*ctx->lock);
          ctx->rec->frames++;
          ctx->rec->last = std::move (f);
          if (GST_BUFFER_PTS_IS_VALID (buf))
            ctx->rec->video_end = GST_BUFFER_PTS (buf);
        }
        return GST_PAD_PROBE_OK;
      }, &ctx, nullptr);
  gst_object_unref (vpad);
  gst_object_unref (v);
  GstElement *a = gst_bin_get_by_name (GST_BIN (pipe), "a");
  GstPad *apad = gst_element_get_static_pad (a, "sink");
  gst_pad_add_probe (apad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad *, GstPadProbeInfo * info, gpointer data) {
        auto *ctx = static_cast<Ctx *> (data);
        GstMapInfo map;
        GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
        gst_buffer_map (b, &map, GST_MAP_READ);
        std::lock_guard < std::mutex > l (*ctx->lock);
        auto *p = (const int16_t *) map.data;
        ctx->rec->audio.insert (ctx->rec->audio.end (), p, p + map.size / 2);
        gst_buffer_unmap (b, &map);
        return GST_PAD_PROBE_OK;
      }, &ctx, nullptr);
  gst_object_unref (apad);
  gst_object_unref (a);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *m = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  g_assert_nonnull (m);
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
    GError *e = nullptr;
    gst_message_parse_error (m, &e, nullptr);
    g_error ("reading %s: %s", path.c_str (), e->message);
  }
  gst_message_unref (m);
  gst_object_unref (bus);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  return rec;
}

/* One WebM per session, audio and video muxed by a handler with a chain
 * per kind: each caller's file holds its own picture and its own tone,
 * about as long as it streamed. */
static void
test_record_webm ()
{
  gchar *dir = g_dir_make_tmp ("sessionctx-webm-XXXXXX", nullptr);
  g_assert_nonnull (dir);
  std::string handler = std::string ("webmmux name=m ! filesink location=") +
      dir + "/rec-{session_id}.webm  audioconvert ! opusenc ! m.  "
      "videoconvert ! vp8enc deadline=1 cpu-used=8 ! m.";
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 peer-timeout=2 handler=\"" + handler + "\"");
  s.play ();
  const guint32 hex[2] = { 0xff0000, 0x0000ff };
  const std::array<int, 3> colours[2] = { {255, 0, 0}, {0, 0, 255} };
  const double freqs[2] = { 500, 1200 };
  std::vector<std::unique_ptr<VideoClient>> clients;
  for (int i = 0; i < 2; i++) {
    clients.push_back (std::make_unique<VideoClient> ("rec-" +
            std::to_string (i), solid_colour (hex[i]), freqs[i]));
    g_assert_cmpuint (clients.back ()->connect (s.port ()).status, ==, 200);
  }
  g_assert_true (s.wait_started (2));
  g_usleep (3 * G_USEC_PER_SEC);
  for (auto & c : clients)
    c->stop ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-handler-done") >= 2;
      }, 20000));
  for (auto *st : s.bus->elements ("session-handler-done")) {
    assert_str_eq (gst_structure_get_string (st, "result"), "finished");
    gst_structure_free (st);
  }
  for (int i = 0; i < 2; i++) {
    std::string path = std::string (dir) + "/rec-rec-" + std::to_string (i) +
        ".webm";
    Recording rec = read_webm (path);
    auto centre = rec.last.at (0.5, 0.5);
    double seconds = rec.audio.size () / 48000.0;
    g_test_message ("%s: %zu frames (last at %.2f s), %.2f s of audio, "
        "centre %d,%d,%d, tone %.0f Hz", path.c_str (), rec.frames,
        rec.video_end / 1e9, seconds, centre[0], centre[1], centre[2],
        tone_of (rec.audio));
    g_assert_cmpuint (rec.frames, >=, 20);
    g_assert_cmpfloat (rgb_distance (centre, colours[i]), <, 60);
    g_assert_cmpfloat (rgb_distance (centre, colours[1 - i]), >, 150);
    g_assert_cmpfloat (std::fabs (tone_of (rec.audio) - freqs[i]), <,
        freqs[i] * 0.05);
    /* About the 3 s it streamed. */
    g_assert_cmpfloat (std::fabs (seconds - 3.0), <, 1.0);
    g_unlink (path.c_str ());
  }
  g_rmdir (dir);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/video/sessionbin-echo", test_sessionbin_echo);
  g_test_add_func ("/video/video-only-flip", test_video_only_flip);
  g_test_add_func ("/video/handler-threads", test_handler_threads);
  g_test_add_func ("/video/session-pads", test_session_pads);
  g_test_add_func ("/video/record-webm", test_record_webm);
  return g_test_run ();
}
