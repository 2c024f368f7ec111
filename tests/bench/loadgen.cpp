/* WebSocket load generator for sessionsrc ! sessionsink (epoll, no
 * libsoup: the client must not be the bottleneck).
 *
 * Opens N sessions in batches, sends one 20 ms µ-law frame per session
 * every 20 ms and measures each frame's echo round trip. The frame carries
 * its session and sequence number in its first bytes; run the server so
 * that nothing is resampled and µ-law comes back byte for byte:
 *
 *   FastRTC, 48 kHz (960-byte frames):
 *   gst-launch-1.0 sessionsrc port=9000 address=127.0.0.1 rate=48000 \
 *       websocket-input-rate=48000 websocket-output-rate=48000 ! sessionsink
 *   loadgen --port 9000 --sessions 500 --seconds 30 --server-pid PID
 *
 *   Twilio, 8 kHz (160-byte frames):
 *   gst-launch-1.0 sessionsrc port=9000 address=127.0.0.1 rate=8000 ! sessionsink
 *   loadgen --dialect twilio --port 9000 --sessions 2000 --server-pid PID
 *
 * --binary mulaw|s16le uses the binary media extension: after start the
 * session sends {"event":"binary_media",...} and then raw frames (960
 * µ-law bytes or 1920 S16LE bytes per 20 ms at 48 kHz), and the echo comes
 * back in binary frames (same server command as FastRTC above).
 *
 * --position N (N = samples one frame's echo carries, e.g. 160 for
 * Twilio through the default, resampled `sessionsrc ! sessionsink`) matches
 * echoes by position instead of by their bytes, for servers that change
 * them (resampling): frame k counts as echoed once the session has received
 * (k + 1/2) * N samples, its round trip measured to that moment. Nothing
 * tells one session's echo from another's in this mode (each session has
 * its own socket); use the byte mode to check that.
 *
 * --timeline FILE writes, per second of the measured window, the frames
 * echoed and their RTT p50/p99/max (--timeline-step-ms N: per N ms; its
 * first column counts steps).
 *
 * --warmup S opens the measured window S seconds after every session has
 * started (default 0): what is measured is then the sessions' steady
 * state, a server's setup per session (sessionbin's handlers) left out —
 * run_burst.sh measures what that setup costs the live sessions.
 *
 * --from-start 1 measures the whole run, the connect ramp included: every
 * frame from each session's first counts (sent, echoed, lost, RTT) and
 * the server's CPU is taken from the first connect; the run still lasts
 * --seconds after the last session started.
 *
 * --churn R opens R more sessions per second while the others stream
 * (each streams --churn-life seconds, then stop + close) and reports their
 * handshake times.
 *
 * --burst N opens N more sessions --burst-at S seconds into the measured
 * window (default a third of it), --batch at a time every --batch-gap-ms,
 * each upgraded and started, then silent: what a burst of connects costs
 * the live sessions, as their RTT p50/p99 for frames sent before the
 * burst (from the window's second second on), during it (until its last
 * session started, plus 1 s) and after.
 * The output names the cores server and generator may
 * run on (pin them with taskset) and the generator's own CPU: on one
 * core, loopback TCP makes the generator as costly as a trivial server
 * (see floor_echo.cpp).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "wire/base64.h"
#include "bench_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using bench::ProcStats;
using bench::cores_of;
using bench::percentile;
using bench::read_proc;
using Clock = std::chrono::steady_clock;

constexpr int kTagBytes = 12;           /* session (4) + sequence (4) + magic */

double
now_ms ()
{
  return std::chrono::duration<double, std::milli> (Clock::now ().
      time_since_epoch ()).count ();
}

/* Nibbles as µ-law codes 0x20..0x2F: none is 0x7F (which comes back as
 * 0xFF), so they survive decode + encode exactly. */
void
put_u32 (uint8_t * p, uint32_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = 0x20 | ((v >> (28 - 4 * i)) & 0xF);
}

bool
get_u32 (const uint8_t * p, uint32_t * v)
{
  *v = 0;
  for (int i = 0; i < 8; i++) {
    if ((p[i] & 0xF0) != 0x20)
      return false;
    *v = (*v << 4) | (p[i] & 0xF);
  }
  return true;
}

struct Conn
{
  int fd = -1;
  int index = 0;
  bool upgraded = false;
  bool started = false;
  bool failed = false;
  std::string in;               /* bytes received, unparsed */
  std::string out;              /* bytes to write */
  uint32_t next_seq = 0;
  double next_send = 0;
  std::map<uint32_t, double> sent;      /* seq -> send time, awaiting echo */
  uint64_t samples_received = 0;        /* --position: echoed so far */
  uint64_t frames_sent = 0;
  uint64_t frames_received = 0;
  bool want_out = false;        /* EPOLLOUT armed */
  /* Churn sessions: opened while the others stream, closed after a
   * while; their handshake time is measured, their frames are not. */
  bool churn = false;
  double connect_at = 0;
  double close_at = 0;
  bool closed = false;
  /* Burst sessions: opened together, started, then silent. */
  bool burst = false;
};

std::string
ws_frame (const std::string & text, bool binary = false)
{
  std::string f;
  f += (char) (binary ? 0x82 : 0x81);
  size_t n = text.size ();
  if (n < 126) {
    f += (char) (0x80 | n);
  } else {
    f += (char) (0x80 | 126);
    f += (char) (n >> 8);
    f += (char) (n & 0xFF);
  }
  const char mask[4] = { 0x11, 0x22, 0x33, 0x44 };
  f.append (mask, 4);
  size_t start = f.size ();
  f += text;
  for (size_t i = 0; i < n; i++)
    f[start + i] ^= mask[i % 4];
  return f;
}

}  // namespace

int
main (int argc, char **argv)
{
  int port = 9000, sessions = 100, batch = 50, server_pid = 0, position = 0;
  int from_start = 0;
  std::string dialect = "fastrtc";
  std::string binary;           /* "", "mulaw" or "s16le" */
  double seconds = 10, batch_gap_ms = 100, churn_rate = 0, churn_life = 1;
  double timeline_step_ms = 1000, warmup = 0;
  int burst = 0;
  double burst_at = -1;
  std::string json_out, timeline_out;
  if (!bench::parse_options (argc, argv, {
          {"--port", &port}, {"--sessions", &sessions}, {"--batch", &batch},
          {"--batch-gap-ms", &batch_gap_ms}, {"--seconds", &seconds},
          {"--server-pid", &server_pid}, {"--json", &json_out},
          {"--dialect", &dialect}, {"--timeline", &timeline_out},
          {"--binary", &binary}, {"--churn", &churn_rate},
          {"--churn-life", &churn_life}, {"--position", &position},
          {"--from-start", &from_start}, {"--burst", &burst},
          {"--burst-at", &burst_at}, {"--timeline-step-ms",
              &timeline_step_ms}, {"--warmup", &warmup}}))
    return 2;
  const bool twilio = dialect == "twilio";
  if (!binary.empty () && binary != "mulaw" && binary != "s16le") {
    fprintf (stderr, "--binary takes mulaw or s16le\n");
    return 2;
  }
  /* 20 ms: 960 samples at 48 kHz (FastRTC), 160 at 8 kHz (Twilio). */
  const int kFrameSamples = twilio ? 160 : 960;
  /* Bytes per frame: S16LE raw frames carry two per sample (the tag is in
   * the first bytes either way: nothing is transcoded on the way back). */
  const int kFrameBytes = binary == "s16le" ? 2 * kFrameSamples :
      kFrameSamples;

  int ep = epoll_create1 (0);
  /* Room for every churn session up front: indices stay valid. */
  const int n_churn = (int) std::ceil (churn_rate * (seconds + 1));
  std::vector<Conn> conns (sessions + n_churn + burst);
  const int first_burst = sessions + n_churn;
  if (burst_at < 0)
    burst_at = seconds / 3;
  int handshake_failures = 0;
  const std::string request = std::string ("GET ") + (twilio ?
      "/telephone/handler" : "/websocket/offer") + " HTTP/1.1\r\nHost: "
      "127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";

  auto open_conn =[&](Conn & c) {
    c.fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt (c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons (port);
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    connect (c.fd, (sockaddr *) & addr, sizeof addr);
    c.out = request;
    c.connect_at = now_ms ();
    c.want_out = true;
    epoll_event ev {};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = c.index;
    epoll_ctl (ep, EPOLL_CTL_ADD, c.fd, &ev);
  };
  auto want_out =[&](Conn & c, bool want) {
    if (c.want_out == want)
      return;
    c.want_out = want;
    epoll_event ev {};
    ev.events = want ? EPOLLIN | EPOLLOUT : EPOLLIN;
    ev.data.u32 = c.index;
    epoll_ctl (ep, EPOLL_CTL_MOD, c.fd, &ev);
  };
  /* Writes at once; only what the socket refuses waits for EPOLLOUT. */
  auto flush =[&](Conn & c) {
    while (!c.out.empty ()) {
      ssize_t w = send (c.fd, c.out.data (), c.out.size (), MSG_NOSIGNAL);
      if (w <= 0)
        break;
      c.out.erase (0, w);
    }
    want_out (c, !c.out.empty ());
  };

  std::vector<double> rtts, handshakes;
  /* --timeline FILE: per second of the measured window, frames echoed and
   * their p50/p99/max (where in the run the tail comes from). */
  std::vector<std::vector<double>> per_second;
  rtts.reserve ((size_t) (sessions * seconds * 50));
  int started = 0, churn_opened = 0, churn_closed = 0, churn_failures = 0;
  double next_churn = 0;
  /* --burst: when it began and when its last session started (or failed);
   * the live sessions' RTTs by when their frame was sent: before, during
   * (to 1 s after its end), after. */
  int burst_opened = 0, burst_started = 0, burst_failures = 0;
  double burst_begin = 0, burst_end = 0, next_burst = 0;
  std::vector<double> phase_rtts[3];
  ProcStats self0 = read_proc (getpid ());
  std::vector<uint8_t> mulaw (kFrameBytes), decoded (2 * 960 + 8);
  ProcStats proc0 = read_proc (server_pid);
  /* A server pinned to one core: how busy that core is over the window. */
  int server_core = -1;
  if (server_pid) {
    const std::string c = cores_of (server_pid);
    if (!c.empty () && c.find_first_not_of ("0123456789") == std::string::npos)
      server_core = std::atoi (c.c_str ());
  }
  bench::CoreTimes core0, core1;
  bool core_read = server_core >= 0 && bench::read_core (server_core, core0);
  const double t0 = now_ms ();
  int opened = 0;
  double next_batch = t0;
  /* Once every session has started, or (--from-start) from the first. */
  double measure_from = from_start ? t0 : 0;
  bool all_started = false;
  /* The window opens --warmup seconds after that. */
  bool window_open = false;
  double window_at = 0;
  double end_at = 1e300;
  epoll_event events[256];

  while (now_ms () < end_at + 1000) {
    double now = now_ms ();
    if (opened < sessions && now >= next_batch) {
      for (int k = 0; k < batch && opened < sessions; k++, opened++) {
        conns[opened].index = opened;
        open_conn (conns[opened]);
      }
      next_batch = now + batch_gap_ms;
    }
    if (!all_started && started + handshake_failures == sessions &&
        opened == sessions) {
      all_started = true;
      window_at = now + warmup * 1000;
    }
    if (all_started && !window_open && now >= window_at) {
      window_open = true;
      end_at = now + seconds * 1000;
      next_churn = now;
      next_burst = burst_begin = now + burst_at * 1000;
      if (!from_start) {
        measure_from = now;
        proc0 = read_proc (server_pid);
        core_read = server_core >= 0 && bench::read_core (server_core, core0);
        self0 = read_proc (getpid ());
        for (auto & c : conns) {
          c.sent.clear ();
          c.frames_sent = c.frames_received = 0;
        }
        rtts.clear ();
      }
    }

    /* Churn: new sessions at a steady rate while the others stream;
     * each ends (stop, then close) after churn_life seconds. */
    while (churn_rate > 0 && window_open && now < end_at &&
        now >= next_churn && churn_opened < n_churn) {
      Conn & c = conns[sessions + churn_opened++];
      c.index = sessions + churn_opened - 1;
      c.churn = true;
      open_conn (c);
      next_churn += 1000.0 / churn_rate;
    }

    if (burst_opened < burst && window_open && now >= next_burst) {
      for (int k = 0; k < batch && burst_opened < burst; k++) {
        Conn & c = conns[first_burst + burst_opened++];
        c.index = first_burst + burst_opened - 1;
        c.burst = true;
        open_conn (c);
      }
      next_burst = now + batch_gap_ms;
    }
    if (burst && !burst_end && burst_started + burst_failures == burst)
      burst_end = now;

    /* Send what is due: one 20 ms frame per session every 20 ms. */
    for (int i = 0; i < opened + churn_opened; i++) {
      Conn & c = conns[i];
      if (c.churn && c.started && !c.closed && now >= c.close_at) {
        c.out += ws_frame (twilio ? "{\"event\":\"stop\",\"streamSid\":"
            "\"MZload" + std::to_string (c.index) + "\"}" :
            "{\"event\":\"stop\"}");
        flush (c);
        shutdown (c.fd, SHUT_WR);
        c.closed = true;
        churn_closed++;
        continue;
      }
      if (!c.started || c.failed || c.closed || now < c.next_send ||
          now >= end_at)
        continue;
      for (int i = 0; i < kFrameBytes; i++)
        mulaw[i] = binary == "s16le" ? 0 : 0xFF;   /* silence */
      put_u32 (mulaw.data (), (uint32_t) c.index);
      put_u32 (mulaw.data () + 8, c.next_seq);
      std::string payload;
      if (binary.empty ())
        sessionctx::base64_encode_append (mulaw.data (), mulaw.size (),
            payload);
      if (!binary.empty ())
        c.out += ws_frame (std::string ((const char *) mulaw.data (),
                mulaw.size ()), true);
      else if (twilio)
        c.out += ws_frame ("{\"event\":\"media\",\"sequenceNumber\":\"" +
            std::to_string (c.next_seq + 2) + "\",\"streamSid\":\"MZload" +
            std::to_string (c.index) + "\",\"media\":{\"track\":\"inbound\","
            "\"chunk\":\"" + std::to_string (c.next_seq + 1) + "\","
            "\"timestamp\":\"" + std::to_string (c.next_seq * 20) + "\","
            "\"payload\":\"" + payload + "\"}}");
      else
        c.out += ws_frame ("{\"event\":\"media\",\"media\":{\"payload\":\""
            + payload + "\"}}");
      c.sent[c.next_seq++] = now;
      c.frames_sent++;
      c.next_send = (c.next_send ? c.next_send : now) + 20;
      if (c.next_send < now - 100)
        c.next_send = now;      /* fell far behind: do not burst */
      flush (c);
    }

    int n = epoll_wait (ep, events, 256, 1);
    for (int e = 0; e < n; e++) {
      Conn & c = conns[events[e].data.u32];
      if (events[e].events & EPOLLOUT)
        flush (c);
      if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        char buf[65536];
        ssize_t r;
        while ((r = recv (c.fd, buf, sizeof buf, 0)) > 0)
          c.in.append (buf, r);
        if (r == 0 || (r < 0 && errno != EAGAIN)) {
          epoll_ctl (ep, EPOLL_CTL_DEL, c.fd, nullptr);
          close (c.fd);
          if (c.closed)
            continue;           /* a churn session, over as planned */
          if (!c.started)
            (c.burst ? burst_failures : c.churn ? churn_failures :
                handshake_failures)++;
          c.failed = true;
          continue;
        }
      }
      if (!c.upgraded) {
        size_t end = c.in.find ("\r\n\r\n");
        if (end == std::string::npos)
          continue;
        if (c.in.rfind ("HTTP/1.1 101", 0) != 0) {
          (c.burst ? burst_failures : c.churn ? churn_failures :
              handshake_failures)++;
          c.failed = true;
          continue;
        }
        c.in.erase (0, end + 4);
        c.upgraded = c.started = true;
        if (c.burst) {
          handshakes.push_back (now_ms () - c.connect_at);
          burst_started++;
        } else if (c.churn) {
          handshakes.push_back (now_ms () - c.connect_at);
          c.close_at = now_ms () + churn_life * 1000;
        } else {
          started++;
        }
        c.out += ws_frame (twilio ? "{\"event\":\"start\",\"streamSid\":"
            "\"MZload" + std::to_string (c.index) + "\",\"start\":{"
            "\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
            "\"sampleRate\":8000,\"channels\":1}}}" :
            "{\"event\":\"start\",\"websocket_id\":\"load-" +
            std::to_string (c.index) + "\"}");
        if (!binary.empty ())
          c.out += ws_frame ("{\"event\":\"binary_media\",\"encoding\":\"" +
              binary + "\"}");
        c.next_send = now_ms () + (c.index % 20);   /* spread the phase */
        if (c.burst)
          c.next_send = 1e300;  /* silent */
        flush (c);
      }
      /* Server frames: unmasked, not fragmented; text or binary. */
      while (c.in.size () >= 2) {
        const auto *p = (const uint8_t *) c.in.data ();
        size_t len = p[1] & 0x7F, head = 2;
        if (len == 126) {
          if (c.in.size () < 4)
            break;
          len = (p[2] << 8) | p[3];
          head = 4;
        } else if (len == 127) {
          if (c.in.size () < 10)
            break;
          len = 0;
          for (int i = 0; i < 8; i++)
            len = (len << 8) | p[2 + i];
          head = 10;
        }
        if (c.in.size () < head + len)
          break;
        const bool is_binary = (p[0] & 0x0F) == 0x2;
        std::string text = c.in.substr (head, len);
        c.in.erase (0, head + len);
        long got;
        if (is_binary) {
          got = (long) std::min (text.size (), decoded.size ());
          memcpy (decoded.data (), text.data (), got);
        } else {
          size_t at = text.find ("\"payload\":\"");
          if (at == std::string::npos)
            continue;
          at += 11;
          size_t stop = text.find ('"', at);
          got = sessionctx::base64_decode (text.data () + at, stop - at,
              decoded.data ());
        }
        auto record =[&](std::map<uint32_t, double>::iterator it) {
        if (measure_from && !c.churn && !c.burst) {
          const double rtt = now_ms () - it->second;
          rtts.push_back (rtt);
          /* (The window's first second is the sessions' warm-up: their
           * first frames make their resamplers.) */
          if (burst && it->second >= measure_from + 1000)
            phase_rtts[it->second < burst_begin ? 0 : !burst_end ||
                it->second < burst_end + 1000 ? 1 : 2].push_back (rtt);
          size_t sec = (size_t) ((it->second - measure_from) /
              timeline_step_ms);
          if (!timeline_out.empty () && it->second >= measure_from) {
            if (per_second.size () <= sec)
              per_second.resize (sec + 1);
            per_second[sec].push_back (rtt);
          }
        }
        c.sent.erase (it);
        c.frames_received++;
        };
        if (position > 0) {
          if (got > 0)
            c.samples_received += binary == "s16le" ? got / 2 : got;
          while (!c.sent.empty () && c.samples_received >=
              (c.sent.begin ()->first + 1) * (uint64_t) position -
              position / 2)
            record (c.sent.begin ());
          continue;
        }
        uint32_t who, seq;
        if (got < 16 || !get_u32 (decoded.data (), &who) ||
            !get_u32 (decoded.data () + 8, &seq) || who != (uint32_t) c.index)
          continue;
        auto it = c.sent.find (seq);
        if (it == c.sent.end ())
          continue;
        record (it);
      }
    }
  }

  ProcStats proc1 = read_proc (server_pid);
  core_read = core_read && bench::read_core (server_core, core1) &&
      core1.total > core0.total;
  const double core_busy = core_read ? 100.0 * (core1.busy - core0.busy) /
      (core1.total - core0.total) : -1;
  ProcStats self1 = read_proc (getpid ());
  uint64_t sent = 0, received = 0;
  int held = 0;
  for (int i = 0; i < sessions; i++) {
    Conn & c = conns[i];
    sent += c.frames_sent;
    received += c.frames_received;
    held += c.started && !c.failed;
  }
  /* The measured window and the second after it (echoes still due). */
  double wall = (now_ms () - (from_start ? t0 : end_at - seconds * 1000)) /
      1000.0;
  double cpu = server_pid ? 100.0 * (proc1.cpu_s - proc0.cpu_s) / wall : 0;
  double self_cpu = 100.0 * (self1.cpu_s - self0.cpu_s) / wall;
  const std::string cores = cores_of (0);
  const std::string server_cores = server_pid ? cores_of (server_pid) : "?";
  double p50 = percentile (rtts, 0.50), p99 = percentile (rtts, 0.99);
  double max = rtts.empty ()? 0 : *std::max_element (rtts.begin (),
      rtts.end ());
  printf ("sessions held  frames sent  received  lost  RTT p50  p99  max (ms)"
      "  server CPU%%  RSS MiB  threads\n");
  printf ("%8d %5d %12llu %9llu %5llu %8.2f %5.2f %6.2f %11.1f %8.1f %8d\n",
      sessions, held, (unsigned long long) sent,
      (unsigned long long) received,
      (unsigned long long) (sent - received), p50, p99, max, cpu,
      proc1.rss_kb / 1024.0, proc1.threads);
  printf ("handshake failures: %d\n", handshake_failures);
  double hs50 = percentile (handshakes, 0.50), hs99 =
      percentile (handshakes, 0.99);
  if (churn_rate > 0)
    printf ("churn: %d sessions opened (%.0f/s, %.1f s each), %d closed, "
        "%d failed; handshake p50 %.2f ms, p99 %.2f ms\n", churn_opened,
        churn_rate, churn_life, churn_closed, churn_failures, hs50, hs99);
  if (burst) {
    const char *names[] = { "before", "during", "after" };
    printf ("burst: %d sessions opened %.1f s in (%d every %.0f ms), %d "
        "started in %.0f ms, %d failed; handshake p50 %.2f ms, p99 %.2f ms\n",
        burst_opened, burst_at, batch, batch_gap_ms, burst_started,
        burst_end ? burst_end - burst_begin : -1.0, burst_failures, hs50,
        hs99);
    for (int i = 0; i < 3; i++)
      printf ("  live sessions' RTT %s the burst: %zu frames, p50 %.2f ms, "
          "p99 %.2f ms, max %.2f ms\n", names[i], phase_rtts[i].size (),
          percentile (phase_rtts[i], 0.5), percentile (phase_rtts[i], 0.99),
          phase_rtts[i].empty ()? 0 : *std::max_element (phase_rtts[i].begin
              (), phase_rtts[i].end ()));
  }
  printf ("media: %s\n", binary.empty ()? "JSON + base64 µ-law" :
      ("binary " + binary).c_str ());
  printf ("cores: server %s, load generator %s (its own CPU %.1f%%)\n",
      server_cores.c_str (), cores.c_str (), self_cpu);
  if (core_busy >= 0)
    printf ("server's core %d busy %.1f%% (the server, and the kernel's "
        "interrupts and softirqs there, charged to no process)\n",
        server_core, core_busy);
  char json[2048];
  snprintf (json, sizeof json, "{\"sessions\":%d,\"held\":%d,\"frames_sent\":"
      "%llu,\"frames_received\":%llu,\"frames_lost\":%llu,\"rtt_ms\":{\"p50\":"
      "%.3f,\"p99\":%.3f,\"max\":%.3f},\"handshake_failures\":%d,"
      "\"server\":{\"cpu_percent\":%.1f,\"cpu_s\":%.3f,\"rss_kb\":%ld,\"threads\":%d,"
      "\"cores\":\"%s\",\"core_busy_percent\":%.1f},\"media\":\"%s\","
      "\"loadgen\":{\"cpu_percent\":%.1f,\"cores\":"
      "\"%s\"},\"churn\":{\"per_second\":%.1f,\"opened\":%d,\"failed\":"
      "%d,\"handshake_ms\":{\"p50\":%.3f,\"p99\":%.3f}},\"burst\":{"
      "\"sessions\":%d,\"started\":%d,\"failed\":%d,\"p99_ms\":{"
      "\"before\":%.3f,\"during\":%.3f,\"after\":%.3f}}}",
      sessions, held, (unsigned long long) sent,
      (unsigned long long) received, (unsigned long long) (sent - received),
      p50, p99, max, handshake_failures, cpu, proc1.cpu_s - proc0.cpu_s,
      proc1.rss_kb, proc1.threads,
      server_cores.c_str (), core_busy, binary.empty ()? "json" :
      binary.c_str (),
      self_cpu, cores.c_str (), churn_rate,
      churn_opened, churn_failures, hs50, hs99, burst, burst_started,
      burst_failures, percentile (phase_rtts[0], 0.99),
      percentile (phase_rtts[1], 0.99), percentile (phase_rtts[2], 0.99));
  printf ("%s\n", json);
  if (!json_out.empty ()) {
    std::ofstream f (json_out);
    f << json << "\n";
  }
  if (!timeline_out.empty ()) {
    std::ofstream f (timeline_out);
    f << "second frames p50_ms p99_ms max_ms\n";
    for (size_t i = 0; i < per_second.size (); i++) {
      auto & v = per_second[i];
      double mx = v.empty ()? 0 : *std::max_element (v.begin (), v.end ());
      f << i << " " << v.size () << " " << percentile (v, 0.5) << " " <<
          percentile (v, 0.99) << " " << mx << "\n";
    }
  }
  return 0;
}
