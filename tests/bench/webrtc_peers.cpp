/* WebRTC peers benchmark: N client webrtcbins in this process against a
 * sessionsrc ! sessionsink server in another, ICE on 127.0.0.1.
 *
 *   taskset -c 0 gst-launch-1.0 sessionsrc port=9100 address=127.0.0.1 \
 *       ice-addresses=127.0.0.1 ! sessionsink &
 *   taskset -c 1 build/tests/bench/bench-webrtc-peers --port 9100 \
 *       --peers 100 --seconds 20 --server-pid $!
 *
 * Each peer sends Opus (20 ms packets, encoded once up front so that the
 * clients cost little) and counts the RTP packets the server sends back
 * (the echo, re-encoded by the server). Reports setup time per peer (offer
 * POSTed → first echoed packet), the server's threads, RSS and CPU per
 * peer (from /proc), and packets received against packets sent.
 *
 * With --video WxH@FPS each peer also sends VP8 (videotestsrc's ball,
 * encoded once up front, a keyframe each second) at that size and rate,
 * and counts the video frames that come back (RTP marker bits): the
 * server must echo video (sessionbin). Its setup time is offer POSTed →
 * first whole video frame back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "../probe_sink.h"
#include "../webrtc_client.h"
#include "bench_util.h"

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

double
now_ms ()
{
  return g_get_monotonic_time () / 1000.0;
}

using bench::ProcStats;
using bench::cores_of;
using bench::percentile;
using bench::read_proc;

/* 1 s of a 440 Hz tone as 50 Opus packets. */
std::vector<GstBuffer *>
encode_tone ()
{
  GstElement *p = gst_parse_launch ("audiotestsrc num-buffers=50 "
      "samplesperbuffer=960 freq=440 volume=0.25 ! audio/x-raw,rate=48000,"
      "channels=1 ! opusenc frame-size=20 ! appsink name=out sync=false",
      nullptr);
  GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
  gst_element_set_state (p, GST_STATE_PLAYING);
  std::vector<GstBuffer *> packets;
  while (GstSample * s = gst_app_sink_try_pull_sample ((GstAppSink *) out,
          5 * GST_SECOND)) {
    packets.push_back (gst_buffer_copy (gst_sample_get_buffer (s)));
    gst_sample_unref (s);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (out);
  gst_object_unref (p);
  return packets;
}

struct VideoFormat
{
  int width = 0, height = 0, fps = 0;
  explicit operator  bool () const { return fps > 0; }
};

/* "WxH@FPS", e.g. 640x480@30. */
bool
parse_video (const std::string & text, VideoFormat * v)
{
  return sscanf (text.c_str (), "%dx%d@%d", &v->width, &v->height,
      &v->fps) == 3 && v->width >= 16 && v->height >= 16 && v->fps > 0 &&
      v->fps <= 60;
}

/* 2 s of videotestsrc's ball as VP8 frames, a keyframe each second, so
 * that the frames can be sent round and round. */
std::vector<GstBuffer *>
encode_video (const VideoFormat & v)
{
  gchar *desc = g_strdup_printf ("videotestsrc pattern=ball num-buffers=%d ! "
      "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! "
      "vp8enc deadline=1 cpu-used=8 keyframe-max-dist=%d target-bitrate=%d ! "
      "appsink name=out sync=false", 2 * v.fps, v.width, v.height, v.fps,
      v.fps, v.width * v.height * v.fps / 30 * 4 / 3);
  GstElement *p = gst_parse_launch (desc, nullptr);
  g_free (desc);
  GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
  gst_element_set_state (p, GST_STATE_PLAYING);
  std::vector<GstBuffer *> frames;
  while (GstSample * s = gst_app_sink_try_pull_sample ((GstAppSink *) out,
          10 * GST_SECOND)) {
    frames.push_back (gst_buffer_copy (gst_sample_get_buffer (s)));
    gst_sample_unref (s);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (out);
  gst_object_unref (p);
  return frames;
}

class Peer
{
public:
  Peer (int index, const VideoFormat & video) : id_ ("bench-" +
      std::to_string (getpid ()) + "-" + std::to_string (index))
  {
    std::string desc = "appsrc name=in is-live=true format=time "
        "do-timestamp=true caps=audio/x-opus,channel-mapping-family=0,"
        "channels=1,rate=48000 ! rtpopuspay pt=111 ! application/x-rtp,"
        "media=audio,encoding-name=OPUS,payload=111 ! webrtcbin name=w "
        "bundle-policy=max-bundle latency=20";
    if (video)
      desc += " appsrc name=vin is-live=true format=time do-timestamp=true "
          "caps=video/x-vp8,width=" + std::to_string (video.width) +
          ",height=" + std::to_string (video.height) + ",framerate=" +
          std::to_string (video.fps) + "/1 ! rtpvp8pay pt=96 "
          "picture-id-mode=2 ! application/x-rtp,media=video,"
          "encoding-name=VP8,payload=96 ! w.";
    pipe_ = gst_parse_launch (desc.c_str (), nullptr);
    in_ = gst_bin_get_by_name (GST_BIN (pipe_), "in");
    vin_ = gst_bin_get_by_name (GST_BIN (pipe_), "vin");
    webrtc_ = gst_bin_get_by_name (GST_BIN (pipe_), "w");
    test::ice_on_loopback_only (webrtc_);
    g_signal_connect (webrtc_, "pad-added", G_CALLBACK (on_pad), this);
    gst_element_set_state (pipe_, GST_STATE_PLAYING);
  }
  ~Peer ()
  {
    gst_element_set_state (pipe_, GST_STATE_NULL);
    gst_object_unref (in_);
    if (vin_)
      gst_object_unref (vin_);
    gst_object_unref (webrtc_);
    gst_object_unref (pipe_);
  }

  /* FastRTC signalling; false when the server refused. */
  bool connect (guint port)
  {
    std::string sdp = test::make_offer (webrtc_);
    if (sdp.empty ()) {
      fprintf (stderr, "%s: no offer\n", id_.c_str ());
      return false;
    }
    posted_ms_ = now_ms ();
    test::HttpReply r = test::post (port, test::offer_body (sdp, id_));
    if (r.status != 200 || test::json_field (r.body, "type") != "answer") {
      fprintf (stderr, "%s refused: %u %s\n", id_.c_str (), r.status,
          r.body.c_str ());
      return false;
    }
    return test::set_answer (webrtc_, test::json_field (r.body, "sdp"));
  }

  void push (GstBuffer * packet)
  {
    gst_app_src_push_buffer ((GstAppSrc *) in_, gst_buffer_copy (packet));
    sent_++;
  }
  void push_video (GstBuffer * frame)
  {
    gst_app_src_push_buffer ((GstAppSrc *) vin_, gst_buffer_copy (frame));
    video_sent_++;
  }
  uint64_t sent () const { return sent_; }
  uint64_t received () const { return received_.load (); }
  uint64_t video_sent () const { return video_sent_; }
  uint64_t video_received () const { return video_received_.load (); }
  /* Offer POSTed → first packet back; < 0 while none came. */
  double setup_ms () const
  {
    double first = first_ms_.load ();
    return first > 0 ? first - posted_ms_ : -1;
  }
  /* Offer POSTed → first whole video frame back; < 0 while none came. */
  double video_setup_ms () const
  {
    double first = first_video_ms_.load ();
    return first > 0 ? first - posted_ms_ : -1;
  }

private:
  static void on_pad (GstElement *, GstPad * pad, Peer * self)
  {
    if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
      return;
    GstCaps *caps = gst_pad_get_current_caps (pad);
    const gchar *media = caps && !gst_caps_is_empty (caps) ?
        gst_structure_get_string (gst_caps_get_structure (caps, 0),
        "media") : nullptr;
    bool video = g_strcmp0 (media, "video") == 0;
    if (caps)
      gst_caps_unref (caps);
    if (video) {
      /* A frame ends with the RTP marker bit. */
      test::link_probed_fakesink (GST_BIN (self->pipe_), pad,
          GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *, GstPadProbeInfo * info,
              gpointer data) {
            auto *self = static_cast<Peer *> (data);
            GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
            GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
            if (gst_rtp_buffer_map (b, GST_MAP_READ, &rtp)) {
              bool marker = gst_rtp_buffer_get_marker (&rtp);
              gst_rtp_buffer_unmap (&rtp);
              if (marker && self->video_received_.fetch_add (1) == 0)
                self->first_video_ms_.store (now_ms ());
            }
            return GST_PAD_PROBE_OK;
          }, self);
      return;
    }
    test::link_probed_fakesink (GST_BIN (self->pipe_), pad,
        GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *, GstPadProbeInfo *,
            gpointer data) {
          auto *self = static_cast<Peer *> (data);
          if (self->received_.fetch_add (1) == 0)
            self->first_ms_.store (now_ms ());
          return GST_PAD_PROBE_OK;
        }, self);
  }

  std::string id_;
  GstElement *pipe_ = nullptr;
  GstElement *in_ = nullptr;
  GstElement *vin_ = nullptr;
  GstElement *webrtc_ = nullptr;
  double posted_ms_ = 0;
  std::atomic<double> first_ms_ { 0 };
  std::atomic<double> first_video_ms_ { 0 };
  std::atomic<uint64_t> received_ { 0 };
  std::atomic<uint64_t> video_received_ { 0 };
  uint64_t sent_ = 0;
  uint64_t video_sent_ = 0;
};

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  unsigned port = 9100;
  int peers = 10, server_pid = 0;
  double seconds = 10;
  std::string json_out, video_arg;
  if (!bench::parse_options (argc, argv, {
          {"--port", &port}, {"--peers", &peers}, {"--seconds", &seconds},
          {"--server-pid", &server_pid}, {"--json", &json_out},
          {"--video", &video_arg}}))
    return 2;
  VideoFormat video;
  if (!video_arg.empty () && !parse_video (video_arg, &video)) {
    fprintf (stderr, "--video WxH@FPS, e.g. 640x480@30\n");
    return 2;
  }
  if (!server_pid) {
    fprintf (stderr, "--server-pid is required\n");
    return 2;
  }
  std::vector<GstBuffer *> packets = encode_tone ();
  if (packets.empty ()) {
    fprintf (stderr, "could not encode Opus\n");
    return 1;
  }
  std::vector<GstBuffer *> frames;
  if (video && (frames = encode_video (video)).empty ()) {
    fprintf (stderr, "could not encode VP8\n");
    return 1;
  }

  ProcStats base = read_proc (server_pid);
  std::vector<std::unique_ptr<Peer>> all;
  std::mutex lock;
  std::atomic<bool> pacing { true };
  /* One thread paces every peer: a packet each 20 ms, and the video
   * frames due by then. */
  std::thread pacer ([&] {
        size_t k = 0, f = 0;
        double next = now_ms ();
        while (pacing) {
          size_t frames_due = video ? (size_t) ((k + 1) * 20 * video.fps /
              1000) : 0;
          {
            std::lock_guard < std::mutex > l (lock);
            for (auto & p : all)
              p->push (packets[k % packets.size ()]);
            for (; f < frames_due; f++)
              for (auto & p : all)
                p->push_video (frames[f % frames.size ()]);
          }
          k++;
          next += 20;
          double wait = next - now_ms ();
          if (wait > 0)
            g_usleep ((gulong) (wait * 1000));
        }
      });

  int refused = 0;
  double t_connect = now_ms ();
  for (int i = 0; i < peers; i++) {
    auto p = std::make_unique<Peer> (i, video);
    if (!p->connect (port)) {
      refused++;
      continue;
    }
    std::lock_guard < std::mutex > l (lock);
    all.push_back (std::move (p));
  }
  /* Every peer hears its echo and, with video, sees a frame back (or 20 s
   * pass). */
  double deadline = now_ms () + 20000;
  while (now_ms () < deadline) {
    int ready = 0;
    for (auto & p : all)
      ready += p->received () > 0 && (!video || p->video_received () > 0);
    if (ready == (int) all.size ())
      break;
    g_usleep (50000);
  }
  double connect_s = (now_ms () - t_connect) / 1000;

  std::vector<double> setups, video_setups;
  int no_audio = 0, no_video = 0;
  for (auto & p : all) {
    if (p->setup_ms () >= 0)
      setups.push_back (p->setup_ms ());
    else
      no_audio++;
    if (!video)
      continue;
    if (p->video_setup_ms () >= 0)
      video_setups.push_back (p->video_setup_ms ());
    else
      no_video++;
  }
  ProcStats s0 = read_proc (server_pid), c0 = read_proc (getpid ());
  std::vector<uint64_t> sent0, recv0, vsent0, vrecv0;
  {
    std::lock_guard < std::mutex > l (lock);
    for (auto & p : all) {
      sent0.push_back (p->sent ());
      recv0.push_back (p->received ());
      vsent0.push_back (p->video_sent ());
      vrecv0.push_back (p->video_received ());
    }
  }
  double t0 = now_ms ();
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  double wall = (now_ms () - t0) / 1000;
  ProcStats s1 = read_proc (server_pid), c1 = read_proc (getpid ());
  uint64_t sent = 0, received = 0, vsent = 0, vreceived = 0;
  {
    std::lock_guard < std::mutex > l (lock);
    for (size_t i = 0; i < all.size (); i++) {
      sent += all[i]->sent () - sent0[i];
      received += all[i]->received () - recv0[i];
      vsent += all[i]->video_sent () - vsent0[i];
      vreceived += all[i]->video_received () - vrecv0[i];
    }
  }
  pacing = false;
  pacer.join ();

  int n = (int) all.size ();
  double cpu = 100.0 * (s1.cpu_s - s0.cpu_s) / wall;
  double client_cpu = 100.0 * (c1.cpu_s - c0.cpu_s) / wall;
  double loss = sent ? 100.0 * (1.0 - (double) received / sent) : 0;
  double thr_per_peer = n ? (double) (s1.threads - base.threads) / n : 0;
  double rss_per_peer = n ? (s1.rss_kb - base.rss_kb) / 1024.0 / n : 0;
  printf ("peers connected  refused  no-audio  setup p50  p99  max (ms)  "
      "server threads (idle→now)  per peer  RSS MiB (idle→now)  per peer  "
      "CPU %%  per peer  packets sent  received  lost %%\n");
  printf ("%5d %9d %8d %9d %10.1f %5.1f %6.1f %16d→%-8d %8.2f %9.1f→%-8.1f "
      "%8.2f %6.1f %9.2f %13llu %9llu %7.2f\n", peers, n, refused, no_audio,
      percentile (setups, 0.5), percentile (setups, 0.99),
      setups.empty ()? 0 : *std::max_element (setups.begin (), setups.end ()),
      base.threads, s1.threads, thr_per_peer, base.rss_kb / 1024.0,
      s1.rss_kb / 1024.0, rss_per_peer, cpu, n ? cpu / n : 0,
      (unsigned long long) sent, (unsigned long long) received, loss);
  if (video)
    printf ("video %dx%d@%d: no-video %d, setup to the first frame back "
        "p50 %.1f p99 %.1f ms; frames sent %llu, received %llu (%.1f fps "
        "per peer back)\n", video.width, video.height, video.fps, no_video,
        percentile (video_setups, 0.5), percentile (video_setups, 0.99),
        (unsigned long long) vsent, (unsigned long long) vreceived,
        n ? vreceived / wall / n : 0);
  printf ("all peers connected in %.1f s; cores: server %s, peers %s; "
      "this process's threads: %d, its CPU %.1f%%\n", connect_s,
      cores_of (server_pid).c_str (), cores_of (0).c_str (),
      read_proc (getpid ()).threads, client_cpu);
  char json[1536];
  snprintf (json, sizeof json, "{\"peers\":%d,\"connected\":%d,\"refused\":%d,"
      "\"no_audio\":%d,\"setup_ms\":{\"p50\":%.1f,\"p99\":%.1f},\"server\":{"
      "\"threads_idle\":%d,\"threads\":%d,\"threads_per_peer\":%.2f,"
      "\"rss_mib_per_peer\":%.2f,\"cpu_percent\":%.1f},\"clients\":{"
      "\"cpu_percent\":%.1f},\"packets\":{\"sent\":"
      "%llu,\"received\":%llu,\"lost_percent\":%.2f},\"video\":{"
      "\"format\":\"%s\",\"no_video\":%d,\"setup_ms\":{\"p50\":%.1f,"
      "\"p99\":%.1f},\"frames_sent\":%llu,\"frames_received\":%llu,"
      "\"fps_back_per_peer\":%.1f}}", peers, n, refused,
      no_audio, percentile (setups, 0.5), percentile (setups, 0.99),
      base.threads, s1.threads, thr_per_peer, rss_per_peer, cpu, client_cpu,
      (unsigned long long) sent, (unsigned long long) received, loss,
      video_arg.c_str (), no_video, percentile (video_setups, 0.5),
      percentile (video_setups, 0.99), (unsigned long long) vsent,
      (unsigned long long) vreceived, n ? vreceived / wall / n : 0);
  printf ("%s\n", json);
  if (!json_out.empty ())
    std::ofstream (json_out) << json << "\n";

  all.clear ();
  for (auto *b : packets)
    gst_buffer_unref (b);
  for (auto *b : frames)
    gst_buffer_unref (b);
  return 0;
}
