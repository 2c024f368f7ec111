/* The media-kind seam of WebRTC peers: an offer as the list of what it
 * offers (plugin/webrtc/offerinspect.h), the audio track's chains alone in
 * GstHarness (plugin/webrtc/audiotrack.h), and a peer offering audio and
 * video whose audio is still echoed (its video dropped, the peer alive).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common.h"
#include "webrtc_client.h"

#include "webrtc/audiotrack.h"
#include "webrtc/offerinspect.h"
#include "webrtc/webrtcpeer.h"
#include "wire/protocol.h"

#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>

#include <cmath>
#include <cstring>

using sessionctx::MediaKind;

namespace {

/* An SDP offer: the session part, then @media (m-lines with their
 * attributes), lines joined by CRLF. */
std::string
offer_sdp (const std::string & media, bool bundle = true)
{
  std::string s = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  if (bundle)
    s += "a=group:BUNDLE 0 1 2\r\n";
  return s + media;
}

const char *kAudio =
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\n"
    "a=mid:0\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=sendrecv\r\n";
const char *kVideo =
    "m=video 9 UDP/TLS/RTP/SAVPF 96 102\r\nc=IN IP4 0.0.0.0\r\n"
    "a=mid:1\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:102 H264/90000\r\n"
    "a=sendonly\r\n";
const char *kData =
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
    "a=mid:2\r\na=sctp-port:5000\r\n";

/* parse_offer () of @sdp: the offer, or NULL with @code and @detail. */
GstSDPMessage *
parse (const std::string & sdp, Offer * offer, const char **code,
    const char **detail)
{
  *code = *detail = nullptr;
  return parse_offer (sdp.c_str (), offer, code, detail);
}

/* parse_offer () refuses @sdp with @code and @detail. */
void
assert_refused (const std::string & sdp, const char *code,
    const char *detail)
{
  Offer offer;
  const char *c, *d;
  GstSDPMessage *msg = parse (sdp, &offer, &c, &d);
  g_assert_null (msg);
  g_assert_cmpstr (c, ==, code);
  g_assert_cmpstr (d, ==, detail);
}

}  // namespace

/* The common offer: Opus (and PCMU) audio, the data channel. */
static void
test_offer_audio_only ()
{
  Offer offer;
  const char *code, *detail;
  GstSDPMessage *sdp = parse (offer_sdp (std::string (kAudio) + kData),
      &offer, &code, &detail);
  g_assert_nonnull (sdp);
  g_assert_true (offer.bundle);
  g_assert_cmpuint (offer.media.size (), ==, 2);

  const OfferedMedia & audio = offer.media[0];
  assert_str_eq (audio.media, "audio");
  g_assert_true (audio.kind == MediaKind::audio);
  assert_str_eq (audio.mid, "0");
  g_assert_cmpint (audio.mline_index, ==, 0);
  g_assert_false (audio.disabled);
  g_assert_true (audio.direction == OfferDirection::sendrecv);
  g_assert_cmpuint (audio.codecs.size (), ==, 2);
  assert_str_eq (audio.codecs[0].name, "opus");
  g_assert_cmpint (audio.codecs[0].payload_type, ==, 111);
  g_assert_cmpint (audio.codecs[0].clock_rate, ==, 48000);
  g_assert_cmpint (audio.codecs[0].channels, ==, 2);
  assert_str_eq (audio.codecs[1].name, "PCMU");
  g_assert_cmpint (audio.codecs[1].payload_type, ==, 0);
  g_assert_cmpint (audio.codecs[1].clock_rate, ==, 8000);
  g_assert_cmpint (audio.codecs[1].channels, ==, 0);
  g_assert_true (audio.find_codec ("OPUS") == &audio.codecs[0]);
  g_assert_null (audio.find_codec ("VP8"));

  const OfferedMedia & data = offer.media[1];
  assert_str_eq (data.media, "application");
  g_assert_false (data.kind.has_value ());
  assert_str_eq (data.mid, "2");
  g_assert_cmpint (data.mline_index, ==, 1);
  g_assert_true (data.codecs.empty ());

  g_assert_true (offer.first (MediaKind::audio) == &offer.media[0]);
  g_assert_null (offer.first (MediaKind::video));
  g_assert_true (AudioTrackFactory ().accepts (audio));
  gst_sdp_message_free (sdp);
}

/* Audio, video (VP8 and H264, the client sends only) and the data
 * channel: every m-line listed; video first works the same. */
static void
test_offer_audio_video ()
{
  Offer offer;
  const char *code, *detail;
  GstSDPMessage *sdp = parse (offer_sdp (std::string (kAudio) + kVideo +
          kData), &offer, &code, &detail);
  g_assert_nonnull (sdp);
  gst_sdp_message_free (sdp);
  g_assert_cmpuint (offer.media.size (), ==, 3);
  const OfferedMedia *video = offer.first (MediaKind::video);
  g_assert_true (video == &offer.media[1]);
  assert_str_eq (video->media, "video");
  assert_str_eq (video->mid, "1");
  g_assert_cmpint (video->mline_index, ==, 1);
  g_assert_true (video->direction == OfferDirection::sendonly);
  g_assert_true (video->client_sends ());
  g_assert_false (video->client_receives ());
  g_assert_cmpuint (video->codecs.size (), ==, 2);
  assert_str_eq (video->codecs[0].name, "VP8");
  g_assert_cmpint (video->codecs[0].payload_type, ==, 96);
  g_assert_cmpint (video->codecs[0].clock_rate, ==, 90000);
  g_assert_cmpint (video->find_codec ("h264")->payload_type, ==, 102);
  /* The audio factory takes audio m-lines with Opus only. */
  g_assert_false (AudioTrackFactory ().accepts (*video));
  g_assert_true (AudioTrackFactory ().accepts (offer.media[0]));
  /* The video factory takes video m-lines with VP8 (or H.264 it can do:
   * tests/webrtc/h264.cpp). */
  g_assert_nonnull (track_factory_for (MediaKind::video));
  g_assert_true (track_factory_for (MediaKind::video)->accepts (*video));
  g_assert_false (track_factory_for (MediaKind::video)->accepts
      (offer.media[0]));
  g_assert_nonnull (track_factory_for (MediaKind::audio));
  g_assert_true (track_factory_for (MediaKind::audio)->kind () ==
      MediaKind::audio);

  /* Video first: audio is the second m-line. */
  sdp = parse (offer_sdp (std::string (kVideo) + kAudio + kData, false),
      &offer, &code, &detail);
  g_assert_nonnull (sdp);
  gst_sdp_message_free (sdp);
  g_assert_false (offer.bundle);
  g_assert_true (offer.first (MediaKind::audio) == &offer.media[1]);
  g_assert_cmpint (offer.first (MediaKind::audio)->mline_index, ==, 1);
  g_assert_true (offer.first (MediaKind::video) == &offer.media[0]);
}

/* Video and the data channel, no audio: a camera alone is a session (VP8
 * video). Video without VP8 and no audio is refused, as are SDP that does
 * not parse and SDP without media. */
static void
test_offer_video_only ()
{
  Offer offer;
  const char *c, *d;
  GstSDPMessage *sdp = parse (offer_sdp (std::string (kVideo) + kData),
      &offer, &c, &d);
  g_assert_nonnull (sdp);
  g_assert_null (offer.first (sessionctx::MediaKind::audio));
  const OfferedMedia *video = offer.first (sessionctx::MediaKind::video);
  g_assert_nonnull (video);
  g_assert_cmpint (video->find_codec ("vp8")->payload_type, ==, 96);
  gst_sdp_message_free (sdp);
  std::string h264_only = kVideo;
  h264_only.replace (h264_only.find ("96 102"), 6, "102");
  h264_only.replace (h264_only.find ("a=rtpmap:96 VP8/90000\r\n"),
      strlen ("a=rtpmap:96 VP8/90000\r\n"), "");
  assert_refused (offer_sdp (h264_only + kData),
      sessionctx::error::no_audio,
      "offer has no audio m-line and no VP8 video");
  assert_refused (offer_sdp (kData), sessionctx::error::no_audio,
      "offer has no audio or video m-line");
  /* An audio m-line the client turned off (port 0) counts as none: the
   * video alone makes the session. */
  std::string off = kAudio;
  off.replace (off.find (" 9 "), 3, " 0 ");
  sdp = parse (offer_sdp (off + kVideo), &offer, &c, &d);
  g_assert_nonnull (sdp);
  g_assert_null (offer.first (sessionctx::MediaKind::audio));
  gst_sdp_message_free (sdp);
  assert_refused ("", sessionctx::error::invalid_sdp,
      "offer SDP does not parse or has no media");
  assert_refused ("hello", sessionctx::error::invalid_sdp,
      "offer SDP does not parse or has no media");
  assert_refused (offer_sdp (""), sessionctx::error::invalid_sdp,
      "offer SDP does not parse or has no media");
}

/* Audio without Opus: refused. What counts is the first audio m-line the
 * client did not turn off, as before. */
static void
test_offer_no_opus_refused ()
{
  const char *pcmu =
      "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n"
      "a=mid:0\r\na=rtpmap:0 PCMU/8000\r\n";
  assert_refused (offer_sdp (std::string (pcmu) + kVideo),
      sessionctx::error::no_audio, "offer has no Opus audio");
  /* Opus on a later audio m-line does not help. */
  assert_refused (offer_sdp (std::string (pcmu) + kAudio),
      sessionctx::error::no_audio, "offer has no Opus audio");
  /* Opus on a turned-off m-line does not either. */
  std::string off = kAudio;
  off.replace (off.find (" 9 "), 3, " 0 ");
  assert_refused (offer_sdp (off + pcmu), sessionctx::error::no_audio,
      "offer has no Opus audio");
  /* A turned-off PCMU m-line before an Opus one: the Opus one counts. */
  std::string pcmu_off = pcmu;
  pcmu_off.replace (pcmu_off.find (" 9 "), 3, " 0 ");
  Offer offer;
  const char *code, *detail;
  GstSDPMessage *sdp = parse (offer_sdp (pcmu_off + kAudio), &offer, &code,
      &detail);
  g_assert_nonnull (sdp);
  gst_sdp_message_free (sdp);
  g_assert_true (offer.media[0].disabled);
  g_assert_true (offer.first (MediaKind::audio) == &offer.media[1]);
}

/* Each direction as the client says it; none said is sendrecv; several
 * said: the most restrictive (what any of them rules out). */
static void
test_offer_directions ()
{
  struct
  {
    const char *lines;
    OfferDirection direction;
    bool sends, receives;
  } cases[] = {
    {"", OfferDirection::sendrecv, true, true},
    {"a=sendrecv\r\n", OfferDirection::sendrecv, true, true},
    {"a=sendonly\r\n", OfferDirection::sendonly, true, false},
    {"a=recvonly\r\n", OfferDirection::recvonly, false, true},
    {"a=inactive\r\n", OfferDirection::inactive, false, false},
    {"a=recvonly\r\na=sendonly\r\n", OfferDirection::inactive, false, false},
    {"a=sendrecv\r\na=sendonly\r\n", OfferDirection::sendonly, true, false},
  };
  for (const auto & c : cases) {
    std::string media = std::string ("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        "c=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n") + c.lines;
    Offer offer;
    const char *code, *detail;
    GstSDPMessage *sdp = parse (offer_sdp (media), &offer, &code, &detail);
    g_assert_nonnull (sdp);
    gst_sdp_message_free (sdp);
    const OfferedMedia & m = offer.media[0];
    g_test_message ("%s-> %s", c.lines, offer_direction_name (m.direction));
    g_assert_true (m.direction == c.direction);
    g_assert_cmpstr (offer_direction_name (m.direction), ==,
        offer_direction_name (c.direction));
    g_assert_cmpint (m.client_sends (), ==, c.sends);
    g_assert_cmpint (m.client_receives (), ==, c.receives);
    assert_str_eq (m.mid, "");
  }
  g_assert_cmpstr (offer_direction_name (OfferDirection::sendrecv), ==,
      "sendrecv");
  g_assert_cmpstr (offer_direction_name (OfferDirection::recvonly), ==,
      "recvonly");
}

/* fmtp lines: each codec gets the parameters of its payload type, whether
 * the line comes before or after its rtpmap; a parameter is found by its
 * name in any case, spaces around it ignored. */
static void
test_offer_fmtp ()
{
  const char *video =
      "m=video 9 UDP/TLS/RTP/SAVPF 102 96 97\r\nc=IN IP4 0.0.0.0\r\n"
      "a=fmtp:102 level-asymmetry-allowed=1; packetization-mode=1;"
      "profile-level-id=42e01f\r\n"
      "a=rtpmap:102 H264/90000\r\na=rtpmap:96 VP8/90000\r\n"
      "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n";
  Offer offer;
  const char *code, *detail;
  GstSDPMessage *sdp = parse (offer_sdp (std::string (kAudio) + video),
      &offer, &code, &detail);
  g_assert_nonnull (sdp);
  gst_sdp_message_free (sdp);
  const OfferedMedia *m = offer.first (MediaKind::video);
  g_assert_cmpuint (m->codecs.size (), ==, 3);
  const OfferedCodec & h264 = m->codecs[0];
  assert_str_eq (h264.fmtp, "level-asymmetry-allowed=1; "
      "packetization-mode=1;profile-level-id=42e01f");
  assert_str_eq (h264.fmtp_parameter ("packetization-mode"), "1");
  assert_str_eq (h264.fmtp_parameter ("Profile-Level-ID"), "42e01f");
  assert_str_eq (h264.fmtp_parameter ("sprop-parameter-sets"), "");
  assert_str_eq (m->codecs[1].fmtp, "");
  assert_str_eq (m->codecs[2].fmtp_parameter ("apt"), "96");
  /* Audio's fmtp, if any, stays audio's. */
  assert_str_eq (offer.first (MediaKind::audio)->codecs[0].fmtp, "");
}

namespace {

/* The first audio m-line of kAudio, Opus payload type 111 replaced by
 * @pt. */
OfferedMedia
audio_media (int pt)
{
  std::string media = kAudio;
  media.replace (media.find ("111 0"), 3, std::to_string (pt));
  media.replace (media.find ("rtpmap:111"), 10, "rtpmap:" +
      std::to_string (pt));
  Offer offer;
  const char *code, *detail;
  GstSDPMessage *sdp = parse (offer_sdp (media), &offer, &code, &detail);
  g_assert_nonnull (sdp);
  gst_sdp_message_free (sdp);
  g_assert_cmpint (offer.media[0].find_codec ("opus")->payload_type, ==, pt);
  return offer.media[0];
}

/* @n 20 ms buffers of a @freq Hz sine, 48 kHz mono S16LE, stamped. */
std::vector<GstBuffer *>
sine_buffers (int n, double freq)
{
  std::vector<GstBuffer *> out;
  for (int b = 0; b < n; b++) {
    std::vector<int16_t> pcm (960);
    for (size_t i = 0; i < pcm.size (); i++)
      pcm[i] = (int16_t) (8000 * sin (2 * M_PI * freq * (b * 960.0 + i) /
              48000));
    GstBuffer *buf = gst_buffer_new_memdup (pcm.data (), pcm.size () * 2);
    GST_BUFFER_PTS (buf) = b * 20 * GST_MSECOND;
    GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
    out.push_back (buf);
  }
  return out;
}

GstCaps *
raw_caps (int rate)
{
  return gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING,
      "S16LE", "layout", G_TYPE_STRING, "interleaved", "channels",
      G_TYPE_INT, 1, "rate", G_TYPE_INT, rate, NULL);
}

/* The RTP payload type of @buf (its header's second byte). */
int
rtp_payload_type (GstBuffer * buf)
{
  guint8 header[2] = { 0, 0 };
  g_assert_cmpuint (gst_buffer_extract (buf, 0, header, 2), ==, 2);
  g_assert_cmpint (header[0] >> 6, ==, 2);      /* RTP version 2 */
  return header[1] & 0x7f;
}

}  // namespace

/* The audio receive chain alone: Opus RTP (made by opusenc ! rtpopuspay
 * from a 440 Hz tone) in, S16LE mono at the output caps' rate out, the
 * tone intact. */
static void
test_track_audio_receive ()
{
  /* Opus RTP, as a client sends it. */
  GstHarness *pay = gst_harness_new_parse ("opusenc ! rtpopuspay pt=111");
  gst_harness_set_src_caps (pay, raw_caps (48000));
  std::vector<GstBuffer *> rtp;
  for (GstBuffer *buf : sine_buffers (50, 440)) {
    g_assert_cmpint (gst_harness_push (pay, buf), ==, GST_FLOW_OK);
    while (GstBuffer * out = gst_harness_try_pull (pay))
      rtp.push_back (out);
  }
  gst_harness_push_event (pay, gst_event_new_eos ());
  while (GstBuffer * out = gst_harness_try_pull (pay))
    rtp.push_back (out);
  g_assert_cmpuint (rtp.size (), >=, 45);
  GstCaps *rtp_caps = gst_pad_get_current_caps (pay->sinkpad);
  g_assert_nonnull (rtp_caps);

  /* The receive chain, at 16 kHz. */
  OfferedMedia media = audio_media (111);
  AudioTrackFactory factory;
  GstCaps *output = raw_caps (16000);
  GstElement *chain = factory.make_receive_chain (media, "OPUS", output);
  g_assert_nonnull (chain);
  gst_object_ref_sink (chain);
  GstHarness *h = gst_harness_new_with_element (chain, "sink", "src");
  gst_object_unref (chain);
  gst_harness_set_src_caps (h, rtp_caps);      /* takes them */
  for (GstBuffer *buf : rtp)
    g_assert_cmpint (gst_harness_push (h, buf), ==, GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_eos ());

  std::vector<int16_t> pcm;
  while (GstBuffer * buf = gst_harness_try_pull (h)) {
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_READ);
    auto *s = (const int16_t *) map.data;
    pcm.insert (pcm.end (), s, s + map.size / 2);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  GstCaps *got = gst_pad_get_current_caps (h->sinkpad);
  g_assert_nonnull (got);
  gchar *text = gst_caps_to_string (got);
  g_test_message ("out: %s, %zu samples", text, pcm.size ());
  g_free (text);
  g_assert_true (gst_caps_is_equal (got, output));
  /* A second of audio at 16 kHz (the codec's start-up aside). */
  g_assert_cmpuint (pcm.size (), >, 15000);
  g_assert_cmpuint (pcm.size (), <=, 16000 + 2 * 320);
  double f = test::estimate_frequency (pcm.data () + 1600, pcm.size () - 1600,
      16000);
  g_test_message ("heard %.1f Hz", f);
  g_assert_cmpfloat (std::fabs (f - 440), <, 440 * 0.03);

  gst_caps_unref (got);
  gst_caps_unref (output);
  gst_harness_teardown (h);
  gst_harness_teardown (pay);
}

/* The audio send chain alone: raw audio into its appsrc, Opus RTP with the
 * client's payload type out, which decodes to the tone again. */
static void
test_track_audio_send ()
{
  OfferedMedia media = audio_media (109);
  PeerSettings settings;
  settings.opus_complexity = 3;
  AudioTrackFactory factory;
  GstElement *appsrc = nullptr;
  GstElement *chain = factory.make_send_chain (media, settings, &appsrc);
  g_assert_nonnull (chain);
  g_assert_nonnull (appsrc);
  gst_object_ref_sink (chain);
  g_assert_true (GST_IS_APP_SRC (appsrc));
  g_assert_true (GST_OBJECT_PARENT (appsrc) == GST_OBJECT (chain));
  /* Its settings reach the encoder. */
  gint complexity = -1;
  GstIterator *it = gst_bin_iterate_elements (GST_BIN (chain));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    auto *e = GST_ELEMENT (g_value_get_object (&v));
    if (g_str_has_prefix (GST_OBJECT_NAME (gst_element_get_factory (e)),
            "opusenc"))
      g_object_get (e, "complexity", &complexity, NULL);
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  g_assert_cmpint (complexity, ==, 3);

  /* Only a src pad: what the session sends goes in through the appsrc.
   * Stamped here (the harness's clock does not run). */
  GstHarness *h = gst_harness_new_with_element (chain, nullptr, "src");
  gst_object_unref (chain);
  g_object_set (appsrc, "do-timestamp", FALSE, NULL);
  gst_harness_play (h);
  /* 0.8 s: less than the second the appsrc holds before dropping. */
  for (GstBuffer *buf : sine_buffers (40, 660))
    g_assert_cmpint (gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf), ==,
        GST_FLOW_OK);
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
  std::vector<GstBuffer *> rtp;
  g_assert_true (test::wait_for ([&] {
            while (GstBuffer * buf = gst_harness_try_pull (h))
              rtp.push_back (buf);
            return rtp.size () >= 40;
          }, 10000));
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  gchar *text = gst_caps_to_string (caps);
  g_test_message ("out: %s, %zu packets", text, rtp.size ());
  g_free (text);
  GstStructure *st = gst_caps_get_structure (caps, 0);
  g_assert_cmpstr (gst_structure_get_name (st), ==, "application/x-rtp");
  g_assert_cmpstr (gst_structure_get_string (st, "encoding-name"), ==, "OPUS");
  gint pt = -1;
  g_assert_true (gst_structure_get_int (st, "payload", &pt));
  g_assert_cmpint (pt, ==, 109);
  for (GstBuffer *buf : rtp)
    g_assert_cmpint (rtp_payload_type (buf), ==, 109);

  /* The packets decode to the tone: through the receive chain. */
  GstCaps *output = raw_caps (48000);
  GstElement *rx_chain = factory.make_receive_chain (media, "OPUS", output);
  gst_object_ref_sink (rx_chain);
  GstHarness *rx = gst_harness_new_with_element (rx_chain, "sink", "src");
  gst_object_unref (rx_chain);
  gst_harness_set_src_caps (rx, caps);  /* takes them */
  for (GstBuffer *buf : rtp)
    g_assert_cmpint (gst_harness_push (rx, buf), ==, GST_FLOW_OK);
  gst_harness_push_event (rx, gst_event_new_eos ());
  std::vector<int16_t> pcm;
  while (GstBuffer * buf = gst_harness_try_pull (rx)) {
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_READ);
    auto *s = (const int16_t *) map.data;
    pcm.insert (pcm.end (), s, s + map.size / 2);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  g_assert_cmpuint (pcm.size (), >, 36000);
  double f = test::estimate_frequency (pcm.data () + 4800, pcm.size () - 4800,
      48000);
  g_test_message ("decoded %.1f Hz", f);
  g_assert_cmpfloat (std::fabs (f - 660), <, 660 * 0.03);
  gst_caps_unref (output);
  gst_harness_teardown (rx);
  gst_harness_teardown (h);
}

namespace {

/* Elements made by @factory inside @bin and the bins in it, not counting
 * what is inside webrtcbins (their data channels have appsrcs of their
 * own). */
std::vector<GstElement *>
elements_made_by (GstBin * bin, const char *factory)
{
  std::vector<GstElement *> out;
  GstIterator *it = gst_bin_iterate_elements (bin);
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    auto *e = GST_ELEMENT (g_value_get_object (&v));
    GstElementFactory *f = gst_element_get_factory (e);
    const char *name = f ? GST_OBJECT_NAME (f) : "";
    if (g_strcmp0 (name, factory) == 0)
      out.push_back (GST_ELEMENT (gst_object_ref (e)));
    if (GST_IS_BIN (e) && g_strcmp0 (name, "webrtcbin") != 0)
      for (auto *inner : elements_made_by (GST_BIN (e), factory))
        out.push_back (inner);
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return out;
}

}  // namespace

/* A client offering audio and VP8 video (and the data channel): the
 * answer takes both, the client's video reaches the peer and is dropped
 * there, its audio is echoed as if it sent audio alone. */
static void
test_peer_audio_video_echo ()
{
  test::LivePipeline s ("sessionsrc name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 ! tee name=t ! queue ! fakesink name=cap "
      "sync=false async=false t. ! queue ! sessionsink name=sink");
  s.play ();

  GError *err = nullptr;
  GstElement *client = gst_parse_launch ("audiotestsrc is-live=true "
      "wave=sine volume=0.25 freq=500 ! audioconvert ! audioresample ! "
      "audio/x-raw,rate=48000,channels=1 ! opusenc ! rtpopuspay pt=111 ! "
      "application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! "
      "webrtcbin name=w bundle-policy=max-bundle "
      "videotestsrc is-live=true ! video/x-raw,width=160,height=120,"
      "framerate=15/1 ! vp8enc deadline=1 ! rtpvp8pay pt=96 ! "
      "application/x-rtp,media=video,encoding-name=VP8,payload=96 ! w.",
      &err);
  g_assert_no_error (err);
  GstElement *webrtc = gst_bin_get_by_name (GST_BIN (client), "w");
  test::ice_on_loopback_only (webrtc);
  struct Heard
  {
    std::mutex lock;
    std::vector<int16_t> samples;
    GstElement *pipeline;
  } heard;
  heard.pipeline = client;
  g_signal_connect (webrtc, "pad-added", G_CALLBACK (+[](GstElement *,
              GstPad * pad, Heard * heard) {
            if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
              return;
            /* The server sends audio only. */
            GstElement *bin = gst_parse_bin_from_description ("rtpopusdepay "
                "! opusdec ! audioconvert ! audioresample ! audio/x-raw,"
                "format=S16LE,channels=1,rate=48000 ! fakesink name=out "
                "sync=false async=false", TRUE, nullptr);
            gst_bin_add (GST_BIN (heard->pipeline), bin);
            gst_element_sync_state_with_parent (bin);
            GstElement *out = gst_bin_get_by_name (GST_BIN (bin), "out");
            GstPad *sinkpad = gst_element_get_static_pad (out, "sink");
            gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER,
                [](GstPad *, GstPadProbeInfo * info, gpointer data) {
                  auto *heard = static_cast<Heard *> (data);
                  GstMapInfo map;
                  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
                  gst_buffer_map (b, &map, GST_MAP_READ);
                  std::lock_guard < std::mutex > l (heard->lock);
                  auto *p = (const int16_t *) map.data;
                  heard->samples.insert (heard->samples.end (), p,
                      p + map.size / 2);
                  gst_buffer_unmap (b, &map);
                  return GST_PAD_PROBE_OK;
                }, heard, nullptr);
            gst_object_unref (sinkpad);
            gst_object_unref (out);
            GstPad *binsink = gst_element_get_static_pad (bin, "sink");
            gst_pad_link (pad, binsink);
            gst_object_unref (binsink);
          }), &heard);
  gst_element_set_state (client, GST_STATE_PLAYING);
  GstWebRTCDataChannel *channel = nullptr;
  g_signal_emit_by_name (webrtc, "create-data-channel", "text", NULL,
      &channel);
  g_assert_nonnull (channel);

  std::string offer = test::make_offer (webrtc);
  g_assert_false (offer.empty ());
  g_assert_nonnull (strstr (offer.c_str (), "m=audio"));
  g_assert_nonnull (strstr (offer.c_str (), "m=video"));
  test::HttpReply r = test::post (s.port (), test::offer_body (offer,
          "audio-video"));
  g_assert_cmpuint (r.status, ==, 200);
  assert_str_eq (test::json_field (r.body, "type"), "answer");
  std::string answer = test::json_field (r.body, "sdp");
  g_assert_nonnull (strstr (answer.c_str (), "m=audio"));
  g_assert_nonnull (strstr (answer.c_str (), "m=video"));
  g_assert_nonnull (strstr (answer.c_str (), "m=application"));
  g_assert_true (test::set_answer (webrtc, answer));
  g_assert_true (s.wait_started (1));

  /* The server's webrtcbin got the client's video too (its second src
   * pad), and the peer goes on. */
  auto servers = elements_made_by (GST_BIN (s.src), "webrtcbin");
  g_assert_cmpuint (servers.size (), ==, 1);
  g_assert_true (test::wait_for ([&] {
        GST_OBJECT_LOCK (servers[0]);
        guint16 n = servers[0]->numsrcpads;
        GST_OBJECT_UNLOCK (servers[0]);
        return n >= 2;
      }, 10000));
  for (auto *e : servers)
    gst_object_unref (e);
  /* A send chain per kind the client receives (sessionsrc ! sessionsink
   * sends nothing on the video one: its video has no pad here). */
  for (const char *factory : {"opusenc", "vp8enc"}) {
    auto made = elements_made_by (GST_BIN (s.src), factory);
    g_assert_cmpuint (made.size (), ==, 1);
    for (auto *e : made)
      gst_object_unref (e);
  }

  /* Two seconds: the client hears its own tone back. */
  g_assert_true (test::wait_for ([&] {
        std::lock_guard < std::mutex > l (heard.lock);
        return heard.samples.size () >= 2 * 48000;
      }, 15000));
  std::vector<int16_t> back;
  {
    std::lock_guard < std::mutex > l (heard.lock);
    back = heard.samples;
  }
  double f = test::estimate_frequency (back.data () + 9600, back.size () -
      9600, 48000);
  g_test_message ("heard %.0f Hz back (%zu samples)", f, back.size ());
  g_assert_cmpfloat (std::fabs (f - 500), <, 500 * 0.05);
  g_assert_cmpuint (s.capture.samples_of ("audio-video"), >, 48000);
  g_assert_cmpuint (s.bus->count_elements ("session-ended"), ==, 0);
  g_assert_cmpuint (s.bus->count_type (GST_MESSAGE_WARNING), ==, 0);
  g_assert_cmpuint (s.bus->count_type (GST_MESSAGE_ERROR), ==, 0);

  /* It hangs up like any peer. */
  gst_webrtc_data_channel_close (channel);
  test::wait_for ([&] {
        GstWebRTCDataChannelState st;
        g_object_get (channel, "ready-state", &st, NULL);
        return st == GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
      }, 2000);
  test::drop_incoming_srtp (client);
  gst_element_set_state (client, GST_STATE_NULL);
  g_assert_true (test::wait_for ([&] {
        return s.bus->ended_reason ("audio-video") == "disconnect";
      }, 15000));
  g_assert_true (test::wait_for ([&] {
        return GST_BIN (s.src)->numchildren == 0;
      }));
  g_assert_cmpuint (s.bus->count_type (GST_MESSAGE_ERROR), ==, 0);
  g_object_unref (channel);
  gst_object_unref (webrtc);
  gst_object_unref (client);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/offer/audio-only", test_offer_audio_only);
  g_test_add_func ("/offer/audio-video", test_offer_audio_video);
  g_test_add_func ("/offer/video-only", test_offer_video_only);
  g_test_add_func ("/offer/no-opus-refused", test_offer_no_opus_refused);
  g_test_add_func ("/offer/directions", test_offer_directions);
  g_test_add_func ("/offer/fmtp", test_offer_fmtp);
  g_test_add_func ("/track/audio-receive", test_track_audio_receive);
  g_test_add_func ("/track/audio-send", test_track_audio_send);
  g_test_add_func ("/peer/audio-video-echo", test_peer_audio_video_echo);
  return g_test_run ();
}
