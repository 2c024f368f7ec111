/* Audio and video of one session on one clock: a webrtcbin client sends a
 * flash and a beep at the same instant every second (avclient.h); the
 * video sent back is stamped by frame time (RTP steps of a 30 fps handler
 * exactly 3000), the echo's flash and beep meet at the client (its rtpbin
 * lines the streams up by RTCP), a per-session recording holds them
 * together; a slow video chain holds up neither its session's audio nor
 * another session.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/avclient.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <map>
#include <memory>

using avsync::AvClient;

namespace {

/* The video frames dropped of session @id, from its session-ended
 * message (G_MAXUINT64: none, or no such field). */
guint64
video_dropped (test::BusLog & bus, const std::string & id)
{
  guint64 n = G_MAXUINT64;
  for (auto *st : bus.elements ("session-ended")) {
    if (g_strcmp0 (gst_structure_get_string (st, "session-id"), id.c_str ())
        == 0)
      gst_structure_get_uint64 (st, "video-frames-dropped", &n);
    gst_structure_free (st);
  }
  return n;
}

/* How the steps between the RTP timestamps of @ts went: exactly @step,
 * a multiple of it (frames dropped), within a tick of one of those
 * (rounding), other, not forward. */
struct RtpSteps
{
  size_t exact = 0, multiple = 0, rounded = 0, other = 0, not_forward = 0;
  std::map<gint32, size_t> histogram;
  std::string text () const
  {
    std::string s;
    for (auto &[d, n] : histogram) {
      if (s.size () > 300)
        break;
      s += " " + std::to_string (d) + "x" + std::to_string (n);
    }
    return s;
  }
};

RtpSteps
rtp_steps (const std::vector<guint32> & ts, gint32 step)
{
  RtpSteps r;
  for (size_t i = 1; i < ts.size (); i++) {
    const gint32 d = (gint32) (ts[i] - ts[i - 1]);
    r.histogram[d]++;
    const gint32 k = (d + step / 2) / step, off = d - k * step;
    if (d <= 0)
      r.not_forward++;
    else if (d == step)
      r.exact++;
    else if (off == 0)
      r.multiple++;
    else if (off >= -1 && off <= 1)
      r.rounded++;
    else
      r.other++;
  }
  return r;
}

/* The median of @v (0 if empty). */
double
median (std::vector<double> v)
{
  if (v.empty ())
    return 0;
  std::sort (v.begin (), v.end ());
  return v[v.size () / 2];
}

/* Each beep's round trip by arrival: when it came back less when it was
 * sent (the last whole second before it, the client's running time), ms. */
std::vector<double>
round_trips (const avsync::Sound & sound)
{
  std::vector<double> out;
  for (const avsync::Mark & b : avsync::beeps (sound)) {
    if (!GST_CLOCK_TIME_IS_VALID (b.arrival))
      continue;
    const GstClockTime sent = b.arrival / avsync::kPeriod * avsync::kPeriod;
    out.push_back ((double) (b.arrival - sent) / GST_MSECOND);
  }
  return out;
}

/* A handler bin from @desc with every unlinked pad ghosted (as sessionbin
 * makes its own). */
GstElement *
handler_bin (const char *desc)
{
  GError *err = nullptr;
  GstElement *bin = gst_parse_bin_from_description (desc, FALSE, &err);
  g_assert_no_error (err);
  for (GstPadDirection dir : {GST_PAD_SINK, GST_PAD_SRC}) {
    while (GstPad * pad = gst_bin_find_unlinked_pad (GST_BIN (bin), dir)) {
      GstPad *ghost = gst_ghost_pad_new (nullptr, pad);
      gst_object_unref (pad);
      gst_pad_set_active (ghost, TRUE);
      gst_element_add_pad (bin, ghost);
    }
  }
  return bin;
}

/* What the server sends one peer, as its send chains' appsrcs push it
 * (the PTS the SendClock set): the pictures and the sound. */
struct Sent
{
  std::mutex lock;
  std::vector<avsync::Picture> pictures;
  avsync::Sound sound;

  static GstPadProbeReturn on_buffer (GstPad * pad, GstPadProbeInfo * info,
      gpointer data)
  {
    test::for_each_buffer (info,[&](GstBuffer * buf) {
          add (pad, buf, static_cast<Sent *> (data));
        });
    return GST_PAD_PROBE_OK;
  }
  static void add (GstPad * pad, GstBuffer * buf, Sent * self)
  {
    GstCaps *caps = gst_pad_get_current_caps (pad);
    if (!caps)
      return;
    GstVideoInfo vinfo;
    const char *name = gst_structure_get_name (gst_caps_get_structure (caps,
            0));
    const bool video = g_str_equal (name, "video/x-raw") &&
        gst_video_info_from_caps (&vinfo, caps);
    const bool audio = g_str_equal (name, "audio/x-raw");
    gst_caps_unref (caps);
    if (!video && !audio)
      return;
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_READ);
    std::lock_guard < std::mutex > l (self->lock);
    if (video) {
      /* The luma plane's mean. */
      guint64 sum = 0;
      const size_t w = GST_VIDEO_INFO_WIDTH (&vinfo), h =
          GST_VIDEO_INFO_HEIGHT (&vinfo);
      const size_t stride = GST_VIDEO_INFO_PLANE_STRIDE (&vinfo, 0);
      for (size_t y = 0; y < h && (y + 1) * stride <= map.size; y++)
        for (size_t x = 0; x < w; x++)
          sum += map.data[GST_VIDEO_INFO_PLANE_OFFSET (&vinfo, 0) + y *
              stride + x];
      self->pictures.push_back ({GST_BUFFER_PTS (buf), GST_CLOCK_TIME_NONE,
            (double) sum / (w * h)});
    } else {
      self->sound.add (GST_BUFFER_PTS (buf), GST_CLOCK_TIME_NONE,
          reinterpret_cast<const int16_t *> (map.data), map.size / 2);
    }
    gst_buffer_unmap (buf, &map);
  }

  /* Probes every src pad of the sessionsrc inside @bin (what the session's
   * pads give its handler). */
  void attach_session_pads (GstElement * bin)
  {
    GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
    GValue v = G_VALUE_INIT;
    while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      auto *e = GST_ELEMENT (g_value_get_object (&v));
      GstElementFactory *f = gst_element_get_factory (e);
      if (f && g_str_equal (GST_OBJECT_NAME (f), "sessionsrc")) {
        for (GList * l = e->srcpads; l; l = l->next)
          gst_pad_add_probe (GST_PAD (l->data), (GstPadProbeType)
              (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
              on_buffer, this, nullptr);
      }
      g_value_reset (&v);
    }
    g_value_unset (&v);
    gst_iterator_free (it);
  }

  /* Probes every appsrc inside @bin (a server with one peer; raw media
   * only is kept: not the data channel's); how many. */
  int attach (GstElement * bin)
  {
    int n = 0;
    GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
    GValue v = G_VALUE_INIT;
    while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      auto *e = GST_ELEMENT (g_value_get_object (&v));
      GstElementFactory *f = gst_element_get_factory (e);
      if (f && g_str_equal (GST_OBJECT_NAME (f), "appsrc")) {
        GstPad *pad = gst_element_get_static_pad (e, "src");
        gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, this,
            nullptr);
        gst_object_unref (pad);
        n++;
      }
      g_value_reset (&v);
    }
    g_value_unset (&v);
    gst_iterator_free (it);
    return n;
  }
};

}  // namespace

/* A handler that makes 30 frames a second (videorate) gets them to the
 * client with RTP timestamps exactly 3000 apart (90 kHz), or a multiple
 * of it where a frame was dropped, never equal or back, while the client's
 * audio is echoed beside them: the frames' own time, not their arrival.
 * (Stamped on arrival before, the steps were spread around 3000.) */
static void
test_video_rtp_frame_time ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 opus-complexity=2 peer-timeout=2 "
      "handler=\"capsfilter caps=audio/x-raw  videorate ! "
      "capsfilter caps=video/x-raw,framerate=30/1\"");
  s.play ();
  AvClient c ("rtp-frame-time");
  g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (1));
  g_assert_true (test::wait_for ([&] {
        return c.video_rtp_timestamps ().size () >= 150;
      }, 20000));
  std::vector<guint32> ts = c.video_rtp_timestamps ();
  c.stop ();
  /* From the second second on (the encoder and the offset settled). */
  ts.erase (ts.begin (), ts.begin () + 30);
  RtpSteps r = rtp_steps (ts, 3000);
  g_test_message ("%zu frames: %zu steps exactly 3000, %zu a multiple of "
      "it, %zu within a tick of one, %zu other, %zu not forward; steps:%s",
      ts.size (), r.exact, r.multiple, r.rounded, r.other, r.not_forward,
      r.text ().c_str ());
  g_assert_cmpuint (r.not_forward, ==, 0);
  g_assert_cmpuint (r.exact, >=, (ts.size () - 1) * 9 / 10);
  g_assert_cmpuint (r.other, <=, 2);
}

/* The echo: sessionbin echoes the client's flash and beep. As the server
 * sends them (the PTS its send chains' appsrcs push, from the second
 * second on) each flash and its beep are within 40 ms of each other. At
 * the client, whose webrtcbin (rtpbin) lines the two streams up by the
 * server's RTCP sender reports, from 5 s on by PTS, within 60 ms: 1.22's
 * rtpbin does it once, from the first reports and where each stream's
 * first packet came, and is off what the server sent by up to ±30 ms on
 * its own (measured: within 1 ms in 83 runs of 94, −30 to +23 ms in the
 * other 11).
 * It also prints them as the session's pads gave them to the handler
 * (arrival stamps). */
static void
test_echo_in_sync ()
{
  Sent sent, in;                /* outlive the server's probes */
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 opus-complexity=2 peer-timeout=2");
  s.play ();
  AvClient c ("echo-sync");
  g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (1));
  g_assert_cmpint (sent.attach (s.src), >=, 2);
  in.attach_session_pads (s.src);
  test::spin (11000);
  c.stop ();
  std::vector<avsync::Pair> sent_pairs;
  {
    std::lock_guard < std::mutex > l (sent.lock);
    sent_pairs = avsync::pair_marks (avsync::flashes (sent.pictures),
        avsync::beeps (sent.sound));
    g_test_message ("sent: %zu frames, %zu samples; beep - flash (ms) @ "
        "flash PTS: %s", sent.pictures.size (), sent.sound.samples.size (),
        avsync::describe (sent_pairs).c_str ());
  }
  {
    std::lock_guard < std::mutex > l (in.lock);
    auto pairs = avsync::pair_marks (avsync::flashes (in.pictures),
        avsync::beeps (in.sound));
    g_test_message ("in: %zu frames, %zu samples; beep - flash (ms) @ "
        "flash PTS: %s", in.pictures.size (), in.sound.samples.size (),
        avsync::describe (pairs).c_str ());
  }
  auto flash = avsync::flashes (c.pictures ());
  auto beep = avsync::beeps (c.sound ());
  auto pairs = avsync::pair_marks (flash, beep);
  g_test_message ("%zu frames, %zu samples back: %zu flashes, %zu beeps; "
      "beep - flash (ms) @ flash PTS: %s", c.frames (), c.samples (),
      flash.size (), beep.size (), avsync::describe (pairs).c_str ());
  /* As the server stamped them (after the first second: the burst of the
   * client's first packets). */
  g_assert_cmpuint (sent_pairs.size (), >=, 8);
  for (const auto & p : sent_pairs)
    if (p.flash > sent_pairs.front ().flash + GST_SECOND)
      g_assert_cmpfloat (std::fabs (p.offset_ms), <, 40);
  /* At the client. */
  g_assert_false (pairs.empty ());
  const GstClockTime settled = pairs.front ().flash + 5 * GST_SECOND;
  size_t checked = 0;
  for (const auto & p : pairs) {
    if (p.flash < settled)
      continue;
    checked++;
    g_assert_cmpfloat (std::fabs (p.offset_ms), <, 60);
  }
  g_assert_cmpuint (checked, >=, 3);
}

/* A per-session WebM recording (audio and video muxed by the handler):
 * decoded again, each flash and its beep are within 40 ms, and it lasts
 * what was sent, within a second. */
static void
test_recording_in_sync ()
{
  gchar *dir = g_dir_make_tmp ("sessionctx-avsync-XXXXXX", nullptr);
  g_assert_nonnull (dir);
  std::string handler = std::string ("webmmux name=m ! filesink location=") +
      dir + "/rec-{session_id}.webm  audioconvert ! opusenc ! m.  "
      "videoconvert ! vp8enc deadline=1 ! m.";
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 peer-timeout=2 handler=\"" + handler + "\"");
  s.play ();
  AvClient c ("rec-sync");
  g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (1));
  const gint64 started = g_get_monotonic_time ();
  test::spin (7000);
  /* The session ends as the client's stop closes its data channel, at
   * once; the stop then waits up to 2 s for the channel to say so (once
   * in CI it waited all of it: "sent for 9.01 s", the file 6.96 s long),
   * which is no time the session was recorded. */
  const double sent_s = (g_get_monotonic_time () - started) / 1e6;
  const gint64 stopping = g_get_monotonic_time ();
  c.stop ();
  g_test_message ("the client's stop took %.2f s",
      (g_get_monotonic_time () - stopping) / 1e6);
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-handler-done") >= 1;
      }, 20000));
  const std::string path = std::string (dir) + "/rec-rec-sync.webm";
  avsync::Recording rec = avsync::read_recording (path);
  auto flash = avsync::flashes (rec.pictures);
  auto beep = avsync::beeps (rec.sound);
  auto pairs = avsync::pair_marks (flash, beep);
  const double length_s = (double) (rec.end - rec.start) / GST_SECOND;
  g_test_message ("%s: %zu frames, %zu samples, %.2f s (sent for %.2f s): "
      "%zu flashes, %zu beeps; beep - flash (ms) @ flash PTS: %s",
      path.c_str (), rec.pictures.size (), rec.sound.samples.size (),
      length_s, sent_s, flash.size (), beep.size (),
      avsync::describe (pairs).c_str ());
  g_assert_cmpuint (pairs.size (), >=, 4);
  for (const auto & p : pairs)
    g_assert_cmpfloat (std::fabs (p.offset_ms), <, 40);
  g_assert_cmpfloat (std::fabs (length_s - sent_s), <, 1.0);
  g_unlink (path.c_str ());
  g_rmdir (dir);
  g_free (dir);
}

/* Two sessions, one of them with a video chain that takes 200 ms a frame
 * (identity sleep-time): its audio still comes back whole and as soon as
 * the other session's (beep round trips by arrival), its video comes at
 * the slow chain's pace with the frames it could not take dropped and
 * counted (session-ended's video-frames-dropped); the other session's video
 * keeps the client's rate. */
static void
test_slow_video_chain ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 opus-complexity=2 peer-timeout=2");
  g_signal_connect (s.src, "create-handler", G_CALLBACK (+[](GstElement *,
              GstSessionContext * ctx) -> GstElement * {
            const bool slow = g_strcmp0 (gst_session_context_get_id (ctx),
                "slow") == 0;
            return handler_bin (slow ? "capsfilter caps=audio/x-raw  "
                "capsfilter caps=video/x-raw ! identity sleep-time=200000 ! "
                "capsfilter caps=video/x-raw" : "capsfilter caps=audio/x-raw  "
                "capsfilter caps=video/x-raw");
          }), nullptr);
  s.play ();
  AvClient slow ("slow"), fast ("fast");
  g_assert_cmpuint (slow.connect (s.port ()).status, ==, 200);
  g_assert_cmpuint (fast.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (2));
  g_assert_true (test::wait_for ([&] {
        return slow.frames () > 0 && fast.frames () > 0;
      }, 15000));
  /* 6 s measured from here. */
  const size_t slow_frames0 = slow.frames (), fast_frames0 = fast.frames ();
  const size_t slow_samples0 = slow.samples (), fast_samples0 =
      fast.samples ();
  const gint64 t0 = g_get_monotonic_time ();
  test::spin (6000);
  const double secs = (g_get_monotonic_time () - t0) / 1e6;
  const double slow_fps = (slow.frames () - slow_frames0) / secs;
  const double fast_fps = (fast.frames () - fast_frames0) / secs;
  const double slow_audio = (slow.samples () - slow_samples0) / 48000.0 /
      secs;
  const double fast_audio = (fast.samples () - fast_samples0) / 48000.0 /
      secs;
  /* While it runs, stats shows the slow session's drops. */
  guint64 behind = 0;
  {
    GstStructure *stats = nullptr;
    g_object_get (s.src, "stats", &stats, NULL);
    guint n = 0;
    gst_structure_get_uint (stats, "sessions", &n);
    for (guint i = 0; i < n; i++) {
      gchar *name = g_strdup_printf ("session-%u", i);
      const GstStructure *one = gst_value_get_structure
          (gst_structure_get_value (stats, name));
      g_free (name);
      if (g_strcmp0 (gst_structure_get_string (one, "id"), "slow") == 0)
        gst_structure_get_uint64 (one, "video-frames-dropped-behind",
            &behind);
    }
    gst_structure_free (stats);
  }
  g_test_message ("stats: slow's video-frames-dropped-behind %"
      G_GUINT64_FORMAT, behind);
  g_assert_cmpuint (behind, >, 0);
  slow.stop ();
  fast.stop ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-ended") >= 2;
      }, 15000));
  const guint64 dropped = video_dropped (*s.bus, "slow");
  const guint64 fast_dropped = video_dropped (*s.bus, "fast");
  auto rt_slow = round_trips (slow.sound ());
  auto rt_fast = round_trips (fast.sound ());
  std::string text;
  for (double r : rt_slow)
    text += " " + std::to_string ((int) r);
  text += " | fast:";
  for (double r : rt_fast)
    text += " " + std::to_string ((int) r);
  g_test_message ("over %.1f s: slow %.1f fps, %.3f s of audio a second, "
      "%" G_GUINT64_FORMAT " frames dropped; fast %.1f fps, %.3f s of audio "
      "a second, %" G_GUINT64_FORMAT " dropped; beep round trips (ms) slow:%s",
      secs, slow_fps, slow_audio, dropped, fast_fps, fast_audio,
      fast_dropped, text.c_str ());
  /* Audio whole and in time. */
  g_assert_cmpfloat (slow_audio, >, 0.95);
  g_assert_cmpfloat (fast_audio, >, 0.95);
  g_assert_cmpuint (rt_slow.size (), >=, 4);
  g_assert_cmpuint (rt_fast.size (), >=, 4);
  g_assert_cmpfloat (std::fabs (median (rt_slow) - median (rt_fast)), <, 60);
  /* After the first beep: that one includes the session's start (its
   * handler set up in turn with the other's on sessionbin's setup thread,
   * 375–507 ms for either in 3 runs), not the slow chain. */
  g_assert_cmpfloat (*std::max_element (rt_slow.begin () + 1, rt_slow.end ()),
      <, *std::max_element (rt_fast.begin () + 1, rt_fast.end ()) + 100);
  /* The slow chain's pace (5 frames a second), what it missed counted;
   * the other session at the client's rate (30). */
  g_assert_cmpfloat (slow_fps, >, 2);
  g_assert_cmpfloat (slow_fps, <, 7);
  g_assert_cmpuint (dropped, >, 50);
  g_assert_cmpfloat (fast_fps, >, 24);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/avsync/video-rtp-frame-time", test_video_rtp_frame_time);
  g_test_add_func ("/avsync/echo", test_echo_in_sync);
  g_test_add_func ("/avsync/recording", test_recording_in_sync);
  g_test_add_func ("/avsync/slow-video-chain", test_slow_video_chain);
  return g_test_run ();
}
