/* WebRTC transport: client webrtcbins in this process signal over real HTTP
 * (libsoup) to sessionsrc's /webrtc/offer; ICE on 127.0.0.1.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common.h"
#include "webrtc_client.h"

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <set>

using test::WsClient;

namespace {

using test::HttpReply;
using test::json_field;
using test::post;

/* A WebRTC client: sends a tone, receives (and keeps) what comes back,
 * opens the "text" data channel like FastRTC's browser client. */
class ClientPeer
{
public:
  ClientPeer (std::string id, double freq, const char *direction =
      "sendrecv"):id_ (std::move (id)), freq_ (freq)
  {
    std::string desc = "audiotestsrc is-live=true wave=sine volume=0.25 freq="
        + std::to_string ((int) freq) + " ! audioconvert ! audioresample ! "
        "audio/x-raw,rate=48000,channels=1 ! opusenc ! rtpopuspay pt=111 ! "
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! "
        "webrtcbin name=w bundle-policy=max-bundle";
    GError *err = nullptr;
    pipe_ = gst_parse_launch (desc.c_str (), &err);
    g_assert_no_error (err);
    webrtc_ = gst_bin_get_by_name (GST_BIN (pipe_), "w");
    test::ice_on_loopback_only (webrtc_);
    g_signal_connect (webrtc_, "pad-added", G_CALLBACK (on_pad), this);
    gst_element_set_state (pipe_, GST_STATE_PLAYING);
    if (g_strcmp0 (direction, "sendrecv") != 0) {
      GArray *transceivers = nullptr;
      g_signal_emit_by_name (webrtc_, "get-transceivers", &transceivers);
      for (guint i = 0; transceivers && i < transceivers->len; i++) {
        auto *t = g_array_index (transceivers, GstWebRTCRTPTransceiver *, i);
        g_object_set (t, "direction",
            GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
      }
      if (transceivers)
        g_array_unref (transceivers);
    }
    g_signal_emit_by_name (webrtc_, "create-data-channel", "text", NULL,
        &channel_);
    g_assert_nonnull (channel_);
    g_signal_connect (channel_, "on-message-string",
        G_CALLBACK (+[](GstWebRTCDataChannel *, const gchar * s,
                ClientPeer * self) {
              std::lock_guard < std::mutex > l (self->lock_);
              self->channel_messages_.push_back (s);
            }), this);
  }
  ~ClientPeer ()
  {
    close ();
    if (channel_)
      g_object_unref (channel_);
    gst_object_unref (webrtc_);
    gst_object_unref (pipe_);
  }

  /* Offer with all candidates (FastRTC clients get none back by trickle). */
  std::string make_offer ()
  {
    offer_ = test::make_offer (webrtc_);
    g_assert_false (offer_.empty ());
    return offer_;
  }
  /* Whether @port is the port of one of our offer's candidates. */
  bool has_candidate_port (guint port) const
  {
    return offer_.find (" " + std::to_string (port) + " typ ") !=
        std::string::npos;
  }

  std::string offer_body (const std::string & sdp)
  {
    return test::offer_body (sdp, id_);
  }

  /* Full FastRTC signalling; returns the HTTP reply. */
  HttpReply connect (guint port)
  {
    HttpReply r = post (port, offer_body (make_offer ()));
    if (r.status == 200 && json_field (r.body, "type") == "answer")
      set_answer (json_field (r.body, "sdp"));
    return r;
  }

  void set_answer (const std::string & text)
  {
    g_assert_true (test::set_answer (webrtc_, text));
  }

  bool channel_open ()
  {
    GstWebRTCDataChannelState st;
    g_object_get (channel_, "ready-state", &st, NULL);
    return st == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN;
  }
  void send (const char *text)
  {
    gst_webrtc_data_channel_send_string (channel_, text);
  }
  std::vector<std::string> channel_messages ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return channel_messages_;
  }
  /* Audio heard back (48 kHz mono). */
  std::vector<int16_t> received ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return received_;
  }
  /* Like a browser's pc.close (): the data channel closes, then media
   * stops. */
  void stop_pipeline ()
  {
    {
      std::lock_guard < std::mutex > l (stop_lock_);
      stopped_ = true;
    }
    if (pipe_) {
      test::drop_incoming_srtp (pipe_);
      gst_element_set_state (pipe_, GST_STATE_NULL);
    }
  }
  void close ()
  {
    if (channel_ && channel_open ()) {
      gst_webrtc_data_channel_close (channel_);
      test::wait_for ([&] {
            GstWebRTCDataChannelState st;
            g_object_get (channel_, "ready-state", &st, NULL);
            return st == GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
          }, 2000);
    }
    stop_pipeline ();
  }
  /* Vanish: media stops, nothing is closed. */
  void vanish ()
  {
    stop_pipeline ();
  }
  const std::string & id () const { return id_; }
  double freq () const { return freq_; }

private:
  static void on_pad (GstElement *, GstPad * pad, ClientPeer * self)
  {
    if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
      return;
    /* Not while stopping: a branch added then would stay PAUSED. */
    std::lock_guard < std::mutex > stopping (self->stop_lock_);
    if (self->stopped_)
      return;
    GstElement *bin = gst_parse_bin_from_description ("rtpopusdepay ! opusdec "
        "! audioconvert ! audioresample ! audio/x-raw,format=S16LE,channels=1,"
        "rate=48000 ! fakesink name=out sync=false async=false", TRUE,
        nullptr);
    gst_bin_add (GST_BIN (self->pipe_), bin);
    gst_element_sync_state_with_parent (bin);
    GstElement *out = gst_bin_get_by_name (GST_BIN (bin), "out");
    GstPad *sinkpad = gst_element_get_static_pad (out, "sink");
    gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad *, GstPadProbeInfo * info, gpointer data) {
          auto *self = static_cast<ClientPeer *> (data);
          GstMapInfo map;
          GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
          gst_buffer_map (b, &map, GST_MAP_READ);
          std::lock_guard < std::mutex > l (self->lock_);
          auto *s = (const int16_t *) map.data;
          self->received_.insert (self->received_.end (), s, s + map.size / 2);
          gst_buffer_unmap (b, &map);
          return GST_PAD_PROBE_OK;
        }, self, nullptr);
    gst_object_unref (sinkpad);
    gst_object_unref (out);
    GstPad *binsink = gst_element_get_static_pad (bin, "sink");
    gst_pad_link (pad, binsink);
    gst_object_unref (binsink);
  }

  std::string id_;
  double freq_;
  std::string offer_;
  GstElement *pipe_ = nullptr;
  GstElement *webrtc_ = nullptr;
  GstWebRTCDataChannel *channel_ = nullptr;
  std::mutex lock_;
  std::mutex stop_lock_;
  bool stopped_ = false;
  std::vector<std::string> channel_messages_;
  std::vector<int16_t> received_;
};

/* A server with ICE on 127.0.0.1; "cap" captures what sessionsrc
 * produces, and by default sessionsink echoes it. */
struct Server : test::LivePipeline
{
  explicit Server (const std::string & props = "", bool echo = true)
      : LivePipeline ("sessionsrc name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 " + props + " ! tee name=t ! queue ! "
      "fakesink name=cap sync=false async=false" +
      std::string (echo ? " t. ! queue ! sessionsink name=sink" : ""))
  {
    play ();
  }
  /* One child bin per WebRTC peer. */
  guint n_peers ()
  {
    return GST_BIN (src)->numchildren;
  }
};

/* Elements of @bin and of the bins in it made by @factory, not counting
 * what is inside webrtcbins (their data channels have appsrcs of their
 * own). */
guint
count_made_by (GstBin * bin, const char *factory)
{
  guint n = 0;
  GstIterator *it = gst_bin_iterate_elements (bin);
  GValue v = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next (it, &v)) {
      case GST_ITERATOR_OK:{
        auto *e = GST_ELEMENT (g_value_get_object (&v));
        GstElementFactory *f = gst_element_get_factory (e);
        const char *name = f ? GST_OBJECT_NAME (f) : "";
        n += g_strcmp0 (name, factory) == 0;
        if (GST_IS_BIN (e) && g_strcmp0 (name, "webrtcbin") != 0)
          n += count_made_by (GST_BIN (e), factory);
        g_value_reset (&v);
        break;
      }
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        n = 0;
        break;
      default:
        done = true;
        break;
    }
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return n;
}

double
tone_of (const std::vector<int16_t> & s, int rate = 48000)
{
  size_t skip = std::min (s.size (), (size_t) rate / 5);  /* codec start-up */
  if (s.size () - skip < (size_t) rate / 10)
    return 0;
  return test::estimate_frequency (s.data () + skip, s.size () - skip, rate);
}

}  // namespace

/* Threads of this process whose name starts with @prefix and whose nice
 * value is not 0 or whose policy is not SCHED_OTHER. */
static int
threads_reniced (const char *prefix)
{
  int n = 0;
  GDir *dir = g_dir_open ("/proc/self/task", 0, nullptr);
  while (const char *tid = dir ? g_dir_read_name (dir) : nullptr) {
    gchar *stat = nullptr;
    std::string path = std::string ("/proc/self/task/") + tid + "/stat";
    if (g_file_get_contents (path.c_str (), &stat, nullptr, nullptr)) {
      const char *open = strchr (stat, '('), *close = strrchr (stat, ')');
      if (open && close && g_str_has_prefix (open + 1, prefix)) {
        /* After ") ": state, then fields 4..; nice is field 19. */
        gchar **f = g_strsplit (close + 2, " ", 0);
        /* Field N is f[N - 3]: nice is 19, policy 41. */
        if (g_strv_length (f) > 38 && (atoi (f[16]) != 0 || atoi (f[38])))
          n++;
        g_strfreev (f);
      }
    }
    g_free (stat);
  }
  if (dir)
    g_dir_close (dir);
  return n;
}

/* Three peers with distinct tones and a WebSocket client, one pipeline, one
 * port: every buffer's context matches its sender, each peer hears its own
 * tone back, data channel both ways, contexts say webrtc. */
static void
test_peers_echo ()
{
  Server s ("opus-complexity=2");
  const double freqs[3] = { 350, 900, 2200 };
  std::vector<std::unique_ptr<ClientPeer>> peers;
  std::map<std::string, gint64> round_trip_us;
  for (int i = 0; i < 3; i++) {
    peers.push_back (std::make_unique<ClientPeer> ("peer-" +
            std::to_string (i), freqs[i]));
    const std::string offer = peers.back ()->offer_body (peers.back ()->
        make_offer ());
    gint64 t0 = g_get_monotonic_time ();
    HttpReply r = post (s.port (), offer);
    round_trip_us[peers.back ()->id ()] = g_get_monotonic_time () - t0;
    g_test_message ("offer -> answer: %.1f ms",
        round_trip_us[peers.back ()->id ()] / 1000.0);
    g_assert_cmpuint (r.status, ==, 200);
    assert_str_eq (json_field (r.body, "type"), "answer");
    std::string sdp = json_field (r.body, "sdp");
    /* FastRTC's server test: audio and the data channel in the answer, and
     * every server candidate in it (no trickle). */
    g_assert_nonnull (strstr (sdp.c_str (), "m=audio"));
    g_assert_nonnull (strstr (sdp.c_str (), "m=application"));
    g_assert_nonnull (strstr (sdp.c_str (), "a=candidate:"));
    peers.back ()->set_answer (sdp);
  }
  WsClient ws;
  g_assert_true (ws.connect (s.port (), "/websocket/offer"));
  ws.send (test::fastrtc_start ("websocket-too"));
  g_assert_true (s.wait_started (4));
  /* The server's peers were built on the I/O thread: their threads (ICE
   * carries the media) run at normal priority, not at the nice 10 of the
   * handshake thread that took the offers (a thread inherits its
   * creator's), nor at the I/O thread's SCHED_BATCH. */
  g_assert_cmpint (threads_reniced ("webrtcbin"), ==, 0);
  g_assert_cmpint (threads_reniced ("rtpsession"), ==, 0);

  /* Data channel: FastRTC's client says "handshake" once open. */
  std::vector<std::string> app;
  std::mutex app_lock;
  g_signal_connect (s.src, "session-message", G_CALLBACK (+[](GstElement *,
              GstSessionContext * ctx, const gchar * json, gpointer data) {
            static_cast<std::vector<std::string> *> (data)->push_back
                (std::string (gst_session_context_get_id (ctx)) + "=" + json);
          }), &app);
  g_assert_true (test::wait_for ([&] {
        return peers[1]->channel_open ();
      }));
  peers[1]->send ("handshake");
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-message") >= 1;
      }));
  auto msgs = s.bus->elements ("session-message");
  g_assert_cmpstr (gst_structure_get_string (msgs[0], "session-id"), ==,
      "peer-1");
  g_assert_cmpstr (gst_structure_get_string (msgs[0], "message"), ==,
      "handshake");
  for (auto *m : msgs)
    gst_structure_free (m);
  /* The server's end of the channel opens when the client's does. */
  gboolean ok = FALSE;
  g_assert_true (test::wait_for ([&] {
        g_signal_emit_by_name (s.sink, "send-message", "peer-2",
            "{\"type\":\"log\",\"data\":\"hi\"}", &ok);
        return ok;
      }));
  g_assert_true (test::wait_for ([&] {
        return !peers[2]->channel_messages ().empty ();
      }));
  assert_str_eq (peers[2]->channel_messages ()[0],
      "{\"type\":\"log\",\"data\":\"hi\"}");

  /* opus-complexity reached each peer's encoder. */
  int encoders = 0;
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (s.src));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    auto *e = GST_ELEMENT (g_value_get_object (&v));
    GstElementFactory *f = gst_element_get_factory (e);
    if (f && g_strcmp0 (GST_OBJECT_NAME (f), "opusenc") == 0) {
      gint complexity = -1;
      g_object_get (e, "complexity", &complexity, NULL);
      g_assert_cmpint (complexity, ==, 2);
      encoders++;
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  g_assert_cmpint (encoders, ==, 3);
  /* Each peer receives: its send chain starts at an appsrc. */
  g_assert_cmpuint (count_made_by (GST_BIN (s.src), "appsrc"), ==, 3);
  g_assert_cmpuint (count_made_by (GST_BIN (s.src), "opusenc"), ==, 3);

  /* Two seconds of audio each way. */
  test::Tone tone (600, 48000);
  for (int f = 0; f < 100; f++) {
    ws.send (test::fastrtc_media (tone.next_mulaw (960)));
    test::spin (20);
  }
  for (auto & p : peers) {
    auto heard = p->received ();
    double f = tone_of (heard);
    g_test_message ("%s: sent %.0f Hz, heard %.0f Hz (%zu samples)",
        p->id ().c_str (), p->freq (), f, heard.size ());
    g_assert_cmpuint (heard.size (), >, 48000);
    g_assert_cmpfloat (std::fabs (f - p->freq ()), <, p->freq () * 0.05);
  }

  {
    std::lock_guard < std::mutex > l (s.capture.lock);
    g_assert_cmpuint (s.capture.buffers_without_context, ==, 0);
    for (auto & p : peers) {
      auto & cs = s.capture.sessions[p->id ()];
      g_assert_cmpuint (cs.samples.size (), >, 48000);
      /* Every buffer with this peer's context holds this peer's tone. */
      size_t checked = 0;
      for (size_t k = 10; k < cs.buffers.size (); k++) {
        auto[offset, len] = cs.buffers[k];
        if (len < 480)
          continue;
        double f = test::estimate_frequency (cs.samples.data () + offset, len,
            48000);
        if (std::fabs (f - p->freq ()) > p->freq () * 0.1 + 30)
          g_error ("%s buffer %zu: %.0f Hz", p->id ().c_str (), k, f);
        checked++;
      }
      g_assert_cmpuint (checked, >, 50);
    }
    g_assert_cmpuint (s.capture.sessions["websocket-too"].samples.size (), ==,
        100 * 960);
  }

  for (auto *st : s.bus->elements ("session-started")) {
    GstSessionContext *ctx = nullptr;
    gst_structure_get (st, "context", GST_TYPE_SESSION_CONTEXT, &ctx, NULL);
    std::string id = gst_session_context_get_id (ctx);
    bool rtc = g_str_has_prefix (id.c_str (), "peer-");
    g_assert_cmpint (gst_session_context_get_transport (ctx), ==, rtc ?
        GST_SESSION_TRANSPORT_WEBRTC : GST_SESSION_TRANSPORT_WEBSOCKET);
    /* The selected candidate pair's remote address: one of the peer's ICE
     * candidates, not the HTTP connection the offer came on. */
    const char *remote = gst_session_context_get_remote_address (ctx);
    g_assert_true (g_str_has_prefix (remote, "127.0.0.1:"));
    if (rtc) {
      guint port = atoi (strchr (remote, ':') + 1);
      bool found = false;
      for (auto & p : peers)
        found |= p->id () == id && p->has_candidate_port (port);
      if (!found)
        g_error ("%s: remote %s is not one of its candidates", id.c_str (),
            remote);
    }
    g_object_unref (ctx);
    gst_structure_free (st);
  }
  g_assert_cmpuint (s.n_sessions (), ==, 4);
  g_assert_cmpuint (s.n_peers (), ==, 3);
  for (auto *a : s.bus->elements ("session-answer")) {
    guint64 t = 0;
    gst_structure_get_uint64 (a, "setup-time", &t);
    const char *id = gst_structure_get_string (a, "session-id");
    g_test_message ("%s: answer after %.1f ms (server side)", id, t / 1e6);
    /* In nanoseconds: within the client's round trip, and more than the
     * millisecond that making a webrtcbin and its answer takes at least. */
    g_assert_cmpuint (t, <=, (guint64) round_trip_us[id] * GST_USECOND);
    g_assert_cmpuint (t, >=, GST_MSECOND);
    gst_structure_free (a);
  }

  /* Peers go away: sessions end, their webrtcbins are removed. */
  for (auto & p : peers)
    p->close ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-ended") >= 3;
      }, 15000));
  for (auto & p : peers)
    assert_str_eq (s.bus->ended_reason (p->id ()), "disconnect");
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0;
      }));
  g_assert_cmpuint (s.n_sessions (), ==, 1);
  g_assert_cmpuint (s.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
}


static std::vector<std::string>
split_lines (const std::string & text)
{
  std::vector<std::string> out;
  gchar **lines = g_strsplit (text.c_str (), "\r\n", -1);
  for (gchar ** it = lines; *it; it++)
    if (**it)
      out.emplace_back (*it);
  g_strfreev (lines);
  return out;
}

static std::string
failed (const char *code)
{
  return std::string ("{\"status\":\"failed\",\"meta\":{\"error\":\"") + code +
      "\"}}";
}

static std::string
candidate_body (const std::string & id, const std::string & candidate_json)
{
  return "{\"type\":\"ice-candidate\",\"webrtc_id\":\"" + id +
      "\",\"candidate\":" + candidate_json + "}";
}

/* FastRTC's signalling errors, each asserted; nothing is left behind. */
static void
test_signalling_errors ()
{
  Server s ("max-sessions=2");
  /* Missing fields: 422 (FastRTC's pydantic validation). */
  g_assert_cmpuint (post (s.port (), "{\"type\":\"offer\",\"sdp\":\"v=0\"}").status,
      ==, 422);
  g_assert_cmpuint (post (s.port (), "{\"webrtc_id\":\"x\",\"sdp\":\"v=0\"}").status,
      ==, 422);
  g_assert_cmpuint (post (s.port (), "{\"webrtc_id\":\"x\",\"type\":\"bogus\"}").
      status, ==, 422);
  /* Malformed JSON: 400 with a failed status. */
  HttpReply r = post (s.port (), "{\"webrtc_id\":");
  g_assert_cmpuint (r.status, ==, 400);
  assert_str_eq (r.body, failed ("invalid_json"));

  /* SDP that does not parse / has no audio / that webrtcbin rejects. */
  r = post (s.port (), "{\"webrtc_id\":\"bad-sdp\",\"type\":\"offer\",\"sdp\":"
      "\"hello\"}");
  assert_str_eq (r.body, failed ("invalid_sdp"));
  /* An empty one (tests/fuzz: GstSDP was critical about it). */
  r = post (s.port (), "{\"webrtc_id\":\"empty-sdp\",\"type\":\"offer\","
      "\"sdp\":\"\"}");
  assert_str_eq (r.body, failed ("invalid_sdp"));
  const char *video_only = "v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=-\\r\\n"
      "t=0 0\\r\\nm=video 9 UDP/TLS/RTP/SAVPF 96\\r\\nc=IN IP4 0.0.0.0\\r\\n"
      "a=rtpmap:96 VP8/90000\\r\\na=sendrecv\\r\\n";
  r = post (s.port (), std::string ("{\"webrtc_id\":\"video\",\"type\":\"offer\","
          "\"sdp\":\"") + video_only + "\"}");
  assert_str_eq (r.body, failed ("no_audio"));
  {
    ClientPeer c ("no-fingerprint", 440);
    std::string stripped;
    for (auto & line : split_lines (c.make_offer ()))
      if (!g_str_has_prefix (line.c_str (), "a=fingerprint") &&
          !g_str_has_prefix (line.c_str (), "a=ice-ufrag"))
        stripped += line + "\r\n";
    r = post (s.port (), c.offer_body (stripped));
    assert_str_eq (r.body, failed ("remote_description_rejected"));
  }
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0 && s.n_sessions () == 0;
      }));
  g_assert_cmpuint (s.bus->count_elements ("session-ended"), ==, 0);

  /* Candidates: bad formats. */
  for (const char *bad : {"\"candidate:1 1 udp 1 127.0.0.1 9 typ host\"",
          "{\"candidate\":42}", "{\"candidate\":\"a=candidate:x\"}",
          "{\"candidate\":\"candidate:1\",\"sdpMLineIndex\":-1}"}) {
    r = post (s.port (), candidate_body ("any", bad));
    assert_str_eq (r.body, failed ("invalid_candidate_format"));
  }
  /* End-of-candidates markers are fine. */
  r = post (s.port (), candidate_body ("later", "{\"candidate\":\"\","
          "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}"));
  assert_str_eq (r.body, "{\"status\":\"success\"}");
  r = post (s.port (), candidate_body ("later", "null"));
  assert_str_eq (r.body, "{\"status\":\"success\"}");

  /* Same id twice; over the limit (shared with WebSocket sessions). */
  ClientPeer a ("A", 440);
  g_assert_cmpuint (a.connect (s.port ()).status, ==, 200);
  ClientPeer a2 ("A", 440);
  r = post (s.port (), a2.offer_body (a2.make_offer ()));
  assert_str_eq (r.body, failed ("connection_already_exists"));
  WsClient ws;
  g_assert_true (ws.connect (s.port (), "/websocket/offer"));
  ws.send (test::fastrtc_start ("ws-B"));
  g_assert_true (s.wait_started (2));
  ClientPeer c ("C", 440);
  r = post (s.port (), c.offer_body (c.make_offer ()));
  assert_str_eq (r.body, "{\"status\":\"failed\",\"meta\":{\"error\":"
      "\"concurrency_limit_reached\",\"limit\":2}}");
  /* The WebSocket side sees the same limit. */
  WsClient ws2;
  g_assert_true (ws2.connect (s.port (), "/websocket/offer"));
  ws2.send (test::fastrtc_start ("ws-C"));
  g_assert_true (ws2.wait_message ("concurrency_limit_reached"));

  /* A candidate for a WebSocket session's id; for a closed peer. */
  r = post (s.port (), candidate_body ("ws-B", "{\"candidate\":\"\"}"));
  assert_str_eq (r.body, failed ("unknown_connection"));
  a.close ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->ended_reason ("A") == "disconnect";
      }, 15000));
  r = post (s.port (), candidate_body ("A", "{\"candidate\":\"\"}"));
  assert_str_eq (r.body, failed ("connection_closed"));
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0;
      }));
  g_assert_true (s.bus->has_warning ("A|connection_closed"));
  g_assert_cmpuint (s.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
}

/* FastRTC's browser client trickles candidates before its offer: they are
 * held, then applied. The offer here carries none, so connecting proves it. */
static void
test_early_candidates ()
{
  Server s;
  ClientPeer c ("early", 700);
  std::string bare;
  std::vector<std::string> candidates;
  for (auto & line : split_lines (c.make_offer ())) {
    if (g_str_has_prefix (line.c_str (), "a=candidate:"))
      candidates.push_back (line.substr (2));
    else if (!g_str_has_prefix (line.c_str (), "a=end-of-candidates"))
      bare += line + "\r\n";
  }
  g_assert_cmpuint (candidates.size (), >, 0);
  for (auto & cand : candidates) {
    HttpReply r = post (s.port (), candidate_body ("early",
            "{\"candidate\":" + test::json_string (cand) + ",\"sdpMid\":"
            "\"audio0\",\"sdpMLineIndex\":0,\"usernameFragment\":\"x\"}"));
    assert_str_eq (r.body, "{\"status\":\"success\"}");
  }
  HttpReply r = post (s.port (), c.offer_body (bare));
  g_assert_cmpuint (r.status, ==, 200);
  /* Without the server's candidates the client cannot start checks: only
   * the server can, from the held candidates. */
  std::string answer = json_field (r.body, "sdp"), answer_bare;
  for (auto & line : split_lines (answer))
    if (!g_str_has_prefix (line.c_str (), "a=candidate:"))
      answer_bare += line + "\r\n";
  g_assert_true (answer_bare.size () < answer.size ());
  c.set_answer (answer_bare);
  g_assert_true (s.wait_started (1));
  g_assert_true (test::wait_for ([&] {
        return s.capture.samples_of ("early") > 48000 / 2;
      }));
}

/* Not connected within connect-timeout: session-ended connect-timeout and
 * the webrtcbin is gone. A peer that vanishes: peer-timeout. Each inside
 * its window (the timeout, plus at most the server's tick). */
static void
test_timeouts ()
{
  const guint connect_s = 2, peer_s = 2;
  Server s ("connect-timeout=" + std::to_string (connect_s) +
      " peer-timeout=" + std::to_string (peer_s));
  ClientPeer never ("never", 440);
  const std::string offer = never.offer_body (never.make_offer ());
  const gint64 before_offer = g_get_monotonic_time ();
  HttpReply r = post (s.port (), offer);
  const gint64 answered = g_get_monotonic_time ();
  g_assert_cmpuint (r.status, ==, 200);   /* answer, never applied */
  g_assert_cmpuint (s.n_peers (), ==, 1);
  g_assert_true (test::wait_for ([&] {
        return s.bus->ended_reason ("never") == "connect-timeout";
      }, (connect_s + 4) * 1000));
  /* The clock starts when the offer comes: between the two. */
  test::assert_ended_in_window (*s.bus, "never", before_offer, connect_s,
      answered);
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0 && s.n_sessions () == 0;
      }));
  /* It never started. */
  g_assert_cmpuint (s.bus->count_elements ("session-started"), ==, 0);

  ClientPeer gone ("gone", 440);
  g_assert_cmpuint (gone.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (1));
  g_assert_true (test::wait_for ([&] {
        return s.capture.samples_of ("gone") > 0;
      }));
  const gint64 before_vanish = g_get_monotonic_time ();
  gone.vanish ();
  const gint64 vanished = g_get_monotonic_time ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->ended_reason ("gone") == "disconnect";
      }, (peer_s + 4) * 1000));
  /* The last media came just before the client stopped: its clock starts
   * then (a 20 ms frame and some jitter before, at the earliest). */
  test::assert_ended_in_window (*s.bus, "gone", before_vanish - 200 * 1000,
      peer_s, vanished);
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0;
      }));
}

/* 50 sequential peers: nothing accumulates (elements, fds, threads). */
static void
test_churn ()
{
  Server s;
  auto one = [&](int i) {
    ClientPeer c ("churn-" + std::to_string (i), 500);
    g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
    g_assert_true (test::wait_for ([&] {
          return s.capture.samples_of (c.id ()) > 0;
        }));
    size_t ended = s.bus->count_elements ("session-ended");
    c.close ();
    g_assert_true (test::wait_for ([&] {
          return s.bus->count_elements ("session-ended") > ended;
        }, 15000));
  };
  one (-2);
  one (-1);
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0;
      }));
  test::spin (300);
  size_t fds = test::count_entries ("/proc/self/fd");
  size_t threads = test::count_entries ("/proc/self/task");
  gint64 t0 = g_get_monotonic_time ();
  for (int i = 0; i < 50; i++)
    one (i);
  g_test_message ("50 sessions in %.1f s", (g_get_monotonic_time () - t0) /
      1e6);
  bool clean = test::wait_for ([&] {
        return s.n_peers () == 0 && s.n_sessions () == 0 &&
            test::count_entries ("/proc/self/fd") <= fds &&
            test::count_entries ("/proc/self/task") <= threads;
      }, 10000);
  if (!clean)
    g_error ("left behind: %u peers, %u sessions, fds %zu -> %zu, threads "
        "%zu -> %zu", s.n_peers (), s.n_sessions (), fds,
        test::count_entries ("/proc/self/fd"), threads,
        test::count_entries ("/proc/self/task"));
  g_test_message ("children 0, fds %zu -> %zu, threads %zu -> %zu", fds,
      test::count_entries ("/proc/self/fd"), threads,
      test::count_entries ("/proc/self/task"));
  g_assert_cmpuint (s.bus->count_elements ("session-ended"), ==, 52);
}

/* session-pads with WebRTC: a pad per peer with its context (transport
 * webrtc) before pad-added, EOS and removal when it leaves. A send-only
 * client gets a recvonly answer and no send chain. */
static void
test_session_pads_and_direction ()
{
  GstElement *pipeline = gst_pipeline_new (nullptr);
  GstElement *src = gst_element_factory_make ("sessionsrc", nullptr);
  g_object_set (src, "port", 0, "address", "127.0.0.1", "ice-addresses",
      "127.0.0.1", "session-pads", TRUE, NULL);
  gst_bin_add (GST_BIN (pipeline), src);
  struct State
  {
    GstElement *pipeline;
    std::mutex lock;
    std::string pad_context;
    GstSessionTransport transport = GST_SESSION_TRANSPORT_WEBSOCKET;
    size_t samples = 0;
    int eos = 0;
    int removed = 0;
  } st;
  st.pipeline = pipeline;
  g_signal_connect (src, "pad-added", G_CALLBACK (+[](GstElement *,
              GstPad * pad, State * st) {
            auto ctx = gst::session::current (pad, nullptr);
            {
              std::lock_guard < std::mutex > l (st->lock);
              st->pad_context = ctx.id ();
              st->transport = ctx.transport ();
            }
            test::link_probed_fakesink (GST_BIN (st->pipeline), pad,
                GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM,
                [](GstPad * p, GstPadProbeInfo * info, gpointer data) {
                  auto *st = static_cast<State *> (data);
                  std::lock_guard < std::mutex > l (st->lock);
                  if (!test::for_each_buffer (info,[&](GstBuffer * b) {
                        g_assert_nonnull (gst_buffer_get_session_meta (b));
                        st->samples += gst_buffer_get_size (b) / 2;
                      }) && GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info))
                      == GST_EVENT_EOS)
                    st->eos++;
                  return GST_PAD_PROBE_OK;
                }, st);
          }), &st);
  g_signal_connect (src, "pad-removed", G_CALLBACK (+[](GstElement *,
              GstPad *, State * st) {
            std::lock_guard < std::mutex > l (st->lock);
            st->removed++;
          }), &st);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  guint port = test::get_port (src);

  ClientPeer c ("pads", 800, "sendonly");
  HttpReply r = c.connect (port);
  std::string answer = json_field (r.body, "sdp");
  /* The client only sends: the answer only receives. */
  g_assert_nonnull (strstr (answer.c_str (), "a=recvonly"));
  g_assert_null (strstr (answer.c_str (), "a=sendrecv"));
  g_assert_true (test::wait_for ([&] {
        std::lock_guard < std::mutex > l (st.lock);
        return st.samples > 48000;
      }));
  {
    std::lock_guard < std::mutex > l (st.lock);
    assert_str_eq (st.pad_context, "pads");
    g_assert_cmpint (st.transport, ==, GST_SESSION_TRANSPORT_WEBRTC);
  }
  /* No send chain: the peer's bin (and its webrtcbin) is there, but no
   * appsrc and no Opus encoder. */
  g_assert_cmpuint (GST_BIN (src)->numchildren, ==, 1);
  g_assert_cmpuint (count_made_by (GST_BIN (src), "webrtcbin"), ==, 1);
  g_assert_cmpuint (count_made_by (GST_BIN (src), "appsrc"), ==, 0);
  g_assert_cmpuint (count_made_by (GST_BIN (src), "opusenc"), ==, 0);
  c.close ();
  g_assert_true (test::wait_for ([&] {
        std::lock_guard < std::mutex > l (st.lock);
        return st.eos == 1 && st.removed == 1;
      }, 15000));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

/* time-limit ends a WebRTC session too, inside its window; pipeline to
 * READY ends the rest with reason shutdown and removes their webrtcbins. */
static void
test_limit_and_shutdown ()
{
  const guint limit_s = 2;
  Server s ("time-limit=" + std::to_string (limit_s));
  ClientPeer a ("limited", 440);
  const gint64 before_offer = g_get_monotonic_time ();
  g_assert_cmpuint (a.connect (s.port ()).status, ==, 200);
  g_assert_true (test::wait_for ([&] {
        return s.bus->ended_reason ("limited") == "time-limit";
      }, (limit_s + 6) * 1000));
  /* Counted from the start (ICE and DTLS done), not from the offer. */
  test::assert_ended_in_window (*s.bus, "limited", s.bus->time_of
      ("session-started", "limited") - 50 * 1000, limit_s, s.bus->time_of
      ("session-started", "limited"));
  g_assert_cmpint (s.bus->time_of ("session-started", "limited"), >,
      before_offer);
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0;
      }));

  g_object_set (s.src, "time-limit", 0, NULL);
  gst_element_set_state (s.pipeline, GST_STATE_READY);
  gst_element_set_state (s.pipeline, GST_STATE_PLAYING);
  ClientPeer b ("live-1", 440), c ("live-2", 660);
  g_assert_cmpuint (b.connect (s.port ()).status, ==, 200);
  g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-started") == 3;
      }));
  gst_element_set_state (s.pipeline, GST_STATE_READY);
  assert_str_eq (s.bus->ended_reason ("live-1"), "shutdown");
  assert_str_eq (s.bus->ended_reason ("live-2"), "shutdown");
  g_assert_cmpuint (s.n_peers (), ==, 0);
  g_assert_cmpuint (s.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
}

/* min-port/max-port bound the server's candidates; transports=websocket
 * takes /webrtc/offer away (and transports=webrtc the WebSocket routes). */
static void
test_ports_and_transports ()
{
  {
    Server s ("min-port=41000 max-port=41010");
    ClientPeer c ("ranged", 440);
    HttpReply r = c.connect (s.port ());
    size_t candidates = 0;
    for (auto & line : split_lines (json_field (r.body, "sdp"))) {
      if (!g_str_has_prefix (line.c_str (), "a=candidate:"))
        continue;
      gchar **f = g_strsplit (line.c_str (), " ", -1);
      guint port = g_strv_length (f) > 5 ? atoi (f[5]) : 0;
      g_strfreev (f);
      if (line.find (" udp ") == std::string::npos &&
          line.find (" UDP ") == std::string::npos)
        continue;               /* TCP candidates use their own ports */
      g_assert_cmpuint (port, >=, 41000);
      g_assert_cmpuint (port, <=, 41010);
      candidates++;
    }
    g_assert_cmpuint (candidates, >, 0);
    g_assert_true (s.wait_started (1));
  }
  {
    Server s ("transports=websocket");
    g_assert_cmpuint (post (s.port (), "{}").status, ==, 404);
    WsClient ws;
    g_assert_true (ws.connect (s.port (), "/websocket/offer"));
  }
  {
    Server s ("transports=webrtc");
    WsClient ws;
    g_assert_false (ws.connect (s.port (), "/websocket/offer"));
    g_assert_cmpuint (post (s.port (), "{}").status, ==, 422);
  }
}

/* Which handshake thread (each I/O thread's, named sessionaccept: it
 * answers HTTP) served @request: the one that woke most, more than any
 * other (a tick wakes them all once), or "". (At nice 10 on a busy core a
 * request may find all its bytes there when the thread first runs: one
 * wakeup.) */
static std::string
served_by (const std::function<void ()> & request)
{
  auto before = test::thread_wakeups ("sessionaccept");
  request ();
  auto after = test::thread_wakeups ("sessionaccept");
  std::string best;
  long most = 0, second = 0;
  for (auto &[tid, count] : after) {
    long woke = count - (before.count (tid) ? before[tid] : 0);
    if (woke > most) {
      second = most;
      most = woke;
      best = tid;
    } else if (woke > second) {
      second = woke;
    }
  }
  return most > second ? best : "";
}

/* WebRTC peers served by several I/O threads: each thread takes offers
 * (the thread that takes a peer's offer serves it), and every peer hears
 * its own tone. */
static void
test_io_threads ()
{
  Server s ("io-threads=3");
  g_assert_cmpuint (test::thread_wakeups ("sessionserver").size (), ==, 3);
  g_assert_cmpuint (test::thread_wakeups ("sessionaccept").size (), ==, 3);
  std::vector<std::unique_ptr<ClientPeer>> peers;
  std::set<std::string> peer_threads;
  for (int i = 0; i < 3; i++) {
    peers.push_back (std::make_unique<ClientPeer> ("io-peer-" +
            std::to_string (i), 400 + 300 * i));
    std::string offer = peers.back ()->offer_body (peers.back ()->
        make_offer ());
    HttpReply r;
    peer_threads.insert (served_by ([&] {
              r = post (s.port (), offer);
            }));
    g_assert_cmpuint (r.status, ==, 200);
    peers.back ()->set_answer (json_field (r.body, "sdp"));
  }
  g_assert_true (s.wait_started (3));
  /* Three offers land on one thread one time in nine: more requests on
   * the same route show the spread (all on one: 3 x 3^-30). */
  std::set<std::string> threads;
  for (int i = 0; i < 30; i++)
    threads.insert (served_by ([&] {
              g_assert_cmpuint (post (s.port (), "{}").status, ==, 422);
            }));
  threads.erase ("");
  g_test_message ("offers of the 3 peers on %zu thread(s), 30 requests on "
      "%zu", peer_threads.size (), threads.size ());
  g_assert_cmpuint (threads.size (), >=, 2);
  g_assert_true (test::wait_for ([&] {
        for (auto & p : peers)
          if (tone_of (p->received ()) == 0)
            return false;
        return true;
      }, 10000));
  for (auto & p : peers)
    g_assert_cmpfloat (std::fabs (tone_of (p->received ()) - p->freq ()), <,
        p->freq () * 0.05);
  for (auto & p : peers)
    p->close ();
  g_assert_true (test::wait_for ([&] {
        return s.n_peers () == 0 && s.n_sessions () == 0;
      }, 15000));
}

/* sessionbin with a stateful handler per session: in-process webrtcbin
 * peers each hear their own tone back through their own handler (two
 * resamplers each, none shared), Opus both ways. */
static void
test_sessionbin_peers ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 opus-complexity=2 handler=\"audioconvert ! "
      "audioresample ! audio/x-raw,rate=16000 ! audioresample\"");
  s.play ();
  const double freqs[2] = { 450, 1300 };
  std::vector<std::unique_ptr<ClientPeer>> peers;
  for (int i = 0; i < 2; i++) {
    peers.push_back (std::make_unique<ClientPeer> ("bin-peer-" +
            std::to_string (i), freqs[i]));
    HttpReply r = peers.back ()->connect (s.port ());
    g_assert_cmpuint (r.status, ==, 200);
    assert_str_eq (json_field (r.body, "type"), "answer");
  }
  g_assert_true (s.wait_started (2));
  g_assert_true (test::wait_for ([&] {
        for (auto & p : peers)
          if (p->received ().size () < 2 * 48000)
            return false;
        return true;
      }, 15000));
  for (auto & p : peers) {
    auto heard = p->received ();
    double f = tone_of (heard);
    g_test_message ("%s: sent %.0f Hz, heard %.0f Hz (%zu samples)",
        p->id ().c_str (), p->freq (), f, heard.size ());
    g_assert_cmpfloat (std::fabs (f - p->freq ()), <, p->freq () * 0.05);
  }
  /* One handler per session: 2 resamplers each, plus one on each output
   * chain (the peers' own, inside the inner sessionsrc, not counted). */
  auto count_resamplers = [](GstElement * bin) {
    int n = 0;
    GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
    GValue v = G_VALUE_INIT;
    while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      GstElementFactory *f = gst_element_get_factory
          (GST_ELEMENT (g_value_get_object (&v)));
      if (f && g_str_equal (GST_OBJECT_NAME (f), "audioresample"))
        n++;
      g_value_reset (&v);
    }
    g_value_unset (&v);
    gst_iterator_free (it);
    return n;
  };
  GstElement *inner = gst_bin_get_by_name (GST_BIN (s.src), "sessionsrc");
  g_assert_nonnull (inner);
  int resamplers = count_resamplers (s.src) - count_resamplers (inner);
  gst_object_unref (inner);
  g_assert_cmpint (resamplers, ==, 2 * 3);
  for (auto & p : peers)
    p->close ();
  g_assert_true (test::wait_for ([&] {
        return s.bus->count_elements ("session-handler-done") >= 2;
      }, 15000));
}

/* GET @path on the server's port: the body ("" unless 200). */
static std::string
http_get_body (guint port, const char *path)
{
  SoupSession *session = soup_session_new ();
  std::string url = "http://127.0.0.1:" + std::to_string (port) + path;
  SoupMessage *msg = soup_message_new ("GET", url.c_str ());
  GBytes *resp = soup_session_send_and_read (session, msg, nullptr, nullptr);
  std::string body;
  if (resp && soup_message_get_status (msg) == 200) {
    gsize len;
    const char *d = (const char *) g_bytes_get_data (resp, &len);
    body.assign (d ? d : "", len);
  }
  if (resp)
    g_bytes_unref (resp);
  g_object_unref (msg);
  g_object_unref (session);
  return body;
}

/* The value of the sample line starting with @sample in /metrics text,
 * -1 when absent. */
static double
metric_value (const std::string & text, const std::string & sample)
{
  gchar **lines = g_strsplit (text.c_str (), "\n", -1);
  double value = -1;
  for (gchar ** it = lines; *it; it++)
    if (g_str_has_prefix (*it, (sample + " ").c_str ()))
      value = g_ascii_strtod (*it + sample.size () + 1, nullptr);
  g_strfreev (lines);
  return value;
}

/* A WebRTC session in `stats` (transport, counters both ways, round trip,
 * jitter and packets lost from webrtcbin) and in /metrics (the gauge,
 * the setup histogram); the gauge back to 0 after hang-up. */
static void
test_stats_and_metrics ()
{
  Server s;
  ClientPeer c ("stats-peer", 440);
  g_assert_cmpuint (c.connect (s.port ()).status, ==, 200);
  g_assert_true (s.wait_started (1));
  GstStructure *one = nullptr;
  auto figures_known = [&] {
    GstStructure *stats = nullptr;
    g_object_get (s.src, "stats", &stats, NULL);
    const GValue *v = gst_structure_get_value (stats, "session-0");
    g_clear_pointer (&one, gst_structure_free);
    if (v)
      one = gst_structure_copy (gst_value_get_structure (v));
    gst_structure_free (stats);
    guint64 in = 0, out = 0;
    return one && gst_structure_get_uint64 (one, "frames-received", &in) &&
        in > 0 && gst_structure_get_uint64 (one, "frames-sent", &out) &&
        out > 0 && gst_structure_has_field (one, "round-trip") &&
        gst_structure_has_field (one, "jitter") &&
        gst_structure_has_field (one, "packets-lost");
  };
  gboolean known = test::wait_for (figures_known, 20000);
  gchar *text = one ? gst_structure_to_string (one) : g_strdup ("(none)");
  g_test_message ("stats: %s", text);
  g_free (text);
  g_assert_true (known);
  g_assert_cmpstr (gst_structure_get_string (one, "id"), ==, "stats-peer");
  g_assert_cmpstr (gst_structure_get_string (one, "transport"), ==, "webrtc");
  gboolean started = FALSE;
  g_assert_true (gst_structure_get_boolean (one, "started", &started));
  g_assert_true (started);
  g_assert_true (g_str_has_prefix (gst_structure_get_string (one,
              "remote-address"), "127.0.0.1:"));
  double rtt = -1, jitter = -1;
  g_assert_true (gst_structure_get_double (one, "round-trip", &rtt));
  g_assert_true (gst_structure_get_double (one, "jitter", &jitter));
  g_assert_cmpfloat (rtt, >=, 0);
  g_assert_cmpfloat (rtt, <, 1);        /* loopback */
  g_assert_cmpfloat (jitter, >=, 0);
  gst_structure_free (one);

  std::string metrics = http_get_body (s.port (), "/metrics");
  g_assert_cmpfloat (metric_value (metrics, "sessionctx_sessions{transport="
          "\"webrtc\",dialect=\"fastrtc\"}"), ==, 1);
  g_assert_cmpfloat (metric_value (metrics,
          "sessionctx_webrtc_setup_seconds_count"), ==, 1);
  g_assert_cmpfloat (metric_value (metrics,
          "sessionctx_frames_received_total"), >, 0);
  c.close ();
  g_assert_true (test::wait_for ([&] {
        return metric_value (http_get_body (s.port (), "/metrics"),
            "sessionctx_sessions{transport=\"webrtc\",dialect=\"fastrtc\"}")
            == 0;
      }, 15000));
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/webrtc/peers-echo", test_peers_echo);
  g_test_add_func ("/webrtc/signalling-errors", test_signalling_errors);
  g_test_add_func ("/webrtc/early-candidates", test_early_candidates);
  g_test_add_func ("/webrtc/timeouts", test_timeouts);
  g_test_add_func ("/webrtc/churn", test_churn);
  g_test_add_func ("/webrtc/session-pads", test_session_pads_and_direction);
  g_test_add_func ("/webrtc/limit-and-shutdown", test_limit_and_shutdown);
  g_test_add_func ("/webrtc/ports-and-transports", test_ports_and_transports);
  g_test_add_func ("/webrtc/io-threads", test_io_threads);
  g_test_add_func ("/webrtc/sessionbin", test_sessionbin_peers);
  g_test_add_func ("/webrtc/stats-and-metrics", test_stats_and_metrics);
  return g_test_run ();
}
