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
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "../probe_sink.h"
#include "../webrtc_client.h"
#include "bench_util.h"

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
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

class Peer
{
public:
  Peer (int index) : id_ ("bench-" + std::to_string (getpid ()) + "-" +
      std::to_string (index))
  {
    pipe_ = gst_parse_launch ("appsrc name=in is-live=true format=time "
        "do-timestamp=true caps=audio/x-opus,channel-mapping-family=0,"
        "channels=1,rate=48000 ! rtpopuspay pt=111 ! application/x-rtp,"
        "media=audio,encoding-name=OPUS,payload=111 ! webrtcbin name=w "
        "bundle-policy=max-bundle latency=20", nullptr);
    in_ = gst_bin_get_by_name (GST_BIN (pipe_), "in");
    webrtc_ = gst_bin_get_by_name (GST_BIN (pipe_), "w");
    test::ice_on_loopback_only (webrtc_);
    g_signal_connect (webrtc_, "pad-added", G_CALLBACK (on_pad), this);
    gst_element_set_state (pipe_, GST_STATE_PLAYING);
  }
  ~Peer ()
  {
    gst_element_set_state (pipe_, GST_STATE_NULL);
    gst_object_unref (in_);
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
  uint64_t sent () const { return sent_; }
  uint64_t received () const { return received_.load (); }
  /* Offer POSTed → first packet back; < 0 while none came. */
  double setup_ms () const
  {
    double first = first_ms_.load ();
    return first > 0 ? first - posted_ms_ : -1;
  }

private:
  static void on_pad (GstElement *, GstPad * pad, Peer * self)
  {
    if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
      return;
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
  GstElement *webrtc_ = nullptr;
  double posted_ms_ = 0;
  std::atomic<double> first_ms_ { 0 };
  std::atomic<uint64_t> received_ { 0 };
  uint64_t sent_ = 0;
};

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  unsigned port = 9100;
  int peers = 10, server_pid = 0;
  double seconds = 10;
  std::string json_out;
  if (!bench::parse_options (argc, argv, {
          {"--port", &port}, {"--peers", &peers}, {"--seconds", &seconds},
          {"--server-pid", &server_pid}, {"--json", &json_out}}))
    return 2;
  if (!server_pid) {
    fprintf (stderr, "--server-pid is required\n");
    return 2;
  }
  std::vector<GstBuffer *> packets = encode_tone ();
  if (packets.empty ()) {
    fprintf (stderr, "could not encode Opus\n");
    return 1;
  }

  ProcStats base = read_proc (server_pid);
  std::vector<std::unique_ptr<Peer>> all;
  std::mutex lock;
  std::atomic<bool> pacing { true };
  /* One thread paces every peer: a packet each 20 ms. */
  std::thread pacer ([&] {
        size_t k = 0;
        double next = now_ms ();
        while (pacing) {
          {
            std::lock_guard < std::mutex > l (lock);
            for (auto & p : all)
              p->push (packets[k % packets.size ()]);
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
    auto p = std::make_unique<Peer> (i);
    if (!p->connect (port)) {
      refused++;
      continue;
    }
    std::lock_guard < std::mutex > l (lock);
    all.push_back (std::move (p));
  }
  /* Every peer hears its echo (or 20 s pass). */
  double deadline = now_ms () + 20000;
  while (now_ms () < deadline) {
    int ready = 0;
    for (auto & p : all)
      ready += p->received () > 0;
    if (ready == (int) all.size ())
      break;
    g_usleep (50000);
  }
  double connect_s = (now_ms () - t_connect) / 1000;

  std::vector<double> setups;
  int no_audio = 0;
  for (auto & p : all) {
    if (p->setup_ms () >= 0)
      setups.push_back (p->setup_ms ());
    else
      no_audio++;
  }
  ProcStats s0 = read_proc (server_pid), c0 = read_proc (getpid ());
  std::vector<uint64_t> sent0, recv0;
  {
    std::lock_guard < std::mutex > l (lock);
    for (auto & p : all) {
      sent0.push_back (p->sent ());
      recv0.push_back (p->received ());
    }
  }
  double t0 = now_ms ();
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  double wall = (now_ms () - t0) / 1000;
  ProcStats s1 = read_proc (server_pid), c1 = read_proc (getpid ());
  uint64_t sent = 0, received = 0;
  {
    std::lock_guard < std::mutex > l (lock);
    for (size_t i = 0; i < all.size (); i++) {
      sent += all[i]->sent () - sent0[i];
      received += all[i]->received () - recv0[i];
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
  printf ("all peers connected in %.1f s; cores: server %s, peers %s; "
      "this process's threads: %d, its CPU %.1f%%\n", connect_s,
      cores_of (server_pid).c_str (), cores_of (0).c_str (),
      read_proc (getpid ()).threads, client_cpu);
  char json[1024];
  snprintf (json, sizeof json, "{\"peers\":%d,\"connected\":%d,\"refused\":%d,"
      "\"no_audio\":%d,\"setup_ms\":{\"p50\":%.1f,\"p99\":%.1f},\"server\":{"
      "\"threads_idle\":%d,\"threads\":%d,\"threads_per_peer\":%.2f,"
      "\"rss_mib_per_peer\":%.2f,\"cpu_percent\":%.1f},\"clients\":{"
      "\"cpu_percent\":%.1f},\"packets\":{\"sent\":"
      "%llu,\"received\":%llu,\"lost_percent\":%.2f}}", peers, n, refused,
      no_audio, percentile (setups, 0.5), percentile (setups, 0.99),
      base.threads, s1.threads, thr_per_peer, rss_per_peer, cpu, client_cpu,
      (unsigned long long) sent, (unsigned long long) received, loss);
  printf ("%s\n", json);
  if (!json_out.empty ())
    std::ofstream (json_out) << json << "\n";

  all.clear ();
  for (auto *b : packets)
    gst_buffer_unref (b);
  return 0;
}
