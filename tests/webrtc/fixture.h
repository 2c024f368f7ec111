/* What the WebRTC tests share: a client webrtcbin that signals over real
 * HTTP (libsoup) to sessionsrc's /webrtc/offer (ClientPeer), a server with
 * ICE on 127.0.0.1 (Server), element counts, the tone of what came back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "common.h"
#include "webrtc_client.h"

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <set>

using test::WsClient;

namespace test {

/* A field of the caps of @pad (a pad webrtcbin added: "media",
 * "encoding-name"), "" when unknown. */
inline std::string
pad_caps_field (GstPad * pad, const char *field)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, nullptr);
  const char *v = caps && gst_caps_get_size (caps) > 0 ?
      gst_structure_get_string (gst_caps_get_structure (caps, 0), field) :
      nullptr;
  std::string out = v ? v : "";
  if (caps)
    gst_caps_unref (caps);
  return out;
}

/* Decodes what comes at @pad: adds the bin @desc (it ends in a sink named
 * "out") to @pipeline, puts @probe (buffers, unless null) on out's sink
 * pad, calls @before_link (unless empty) on the bin, then links @pad to
 * it. */
inline void
link_decoder (GstElement * pipeline, GstPad * pad, const char *desc,
    GstPadProbeCallback probe, gpointer data,
    const std::function<void (GstBin *)> &before_link = nullptr)
{
  GstElement *bin = gst_parse_bin_from_description (desc, TRUE, nullptr);
  gst_bin_add (GST_BIN (pipeline), bin);
  gst_element_sync_state_with_parent (bin);
  if (probe) {
    GstElement *out = gst_bin_get_by_name (GST_BIN (bin), "out");
    GstPad *sinkpad = gst_element_get_static_pad (out, "sink");
    gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, probe, data,
        nullptr);
    gst_object_unref (sinkpad);
    gst_object_unref (out);
  }
  if (before_link)
    before_link (GST_BIN (bin));
  GstPad *binsink = gst_element_get_static_pad (bin, "sink");
  gst_pad_link (pad, binsink);
  gst_object_unref (binsink);
}

/* A client's media stop, as when a browser's tab goes: what still comes
 * is dropped before webrtcbin's SRTP decoder, then @pipeline is NULL. */
inline void
stop_client (GstElement * pipeline)
{
  drop_incoming_srtp (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

}  // namespace test

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
    std::string desc = "audiotestsrc name=tone is-live=true wave=sine "
        "volume=0.25 freq="
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
    if (pipe_)
      test::stop_client (pipe_);
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
  /* The client's pipeline (its tone's source is named "tone") and its
   * webrtcbin; no ref. */
  GstElement *pipeline () const { return pipe_; }
  GstElement *webrtcbin () const { return webrtc_; }

private:
  static void on_pad (GstElement *, GstPad * pad, ClientPeer * self)
  {
    if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
      return;
    /* Not while stopping: a branch added then would stay PAUSED. */
    std::lock_guard < std::mutex > stopping (self->stop_lock_);
    if (self->stopped_)
      return;
    test::link_decoder (self->pipe_, pad, "rtpopusdepay ! opusdec ! "
        "audioconvert ! audioresample ! audio/x-raw,format=S16LE,channels=1,"
        "rate=48000 ! fakesink name=out sync=false async=false",
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
        }, self);
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
inline guint
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

inline double
tone_of (const std::vector<int16_t> & s, int rate = 48000)
{
  size_t skip = std::min (s.size (), (size_t) rate / 5);  /* codec start-up */
  if (s.size () - skip < (size_t) rate / 10)
    return 0;
  return test::estimate_frequency (s.data () + skip, s.size () - skip, rate);
}

}  // namespace
