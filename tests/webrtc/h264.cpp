/* H.264 video: which offers get it (plugin/webrtc/videocodec.h), its
 * chains, and WebRTC clients: one that prefers H.264 (openh264 on its
 * side) gets its own picture back in H.264; one that prefers VP8 gets VP8
 * even when it offers H.264 too.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "webrtc/videoclient.h"

#include "webrtc/peersettings.h"
#include "webrtc/videotrack.h"

#include <memory>

using sessionctx::MediaKind;

namespace {

void
log_video_lines (const char *what, const std::string & sdp)
{
  for (const char *prefix : {"m=video", "a=rtpmap", "a=fmtp", "a=rtcp-fb"})
    for (auto & l : sdp_lines (sdp, prefix))
      g_test_message ("%s: %s", what, l.c_str ());
}

/* @offer (webrtcbin's, one video codec of payload type @pt) as a browser
 * writes it: with the fmtp of H.264 (packetization mode 1, constrained
 * baseline level 3.1) and a second codec after the first (VP8 after H.264,
 * or H.264 after VP8) with PLI and FIR. */
std::string
add_second_codec (const std::string & offer, int pt)
{
  const bool h264_first = pt == 102;
  const int second = h264_first ? 96 : 102;
  const std::string fmtp = "a=fmtp:102 level-asymmetry-allowed=1;"
      "packetization-mode=1;profile-level-id=42e01f\r\n";
  std::string out;
  gchar **lines = g_strsplit (offer.c_str (), "\r\n", -1);
  for (gchar ** l = lines; *l; l++) {
    if (!**l)
      continue;
    std::string line = *l;
    if (g_str_has_prefix (*l, "m=video"))
      line += " " + std::to_string (second);
    out += line + "\r\n";
    if (line == "a=rtpmap:" + std::to_string (pt) + (h264_first ?
            " H264/90000" : " VP8/90000")) {
      if (h264_first)
        out += fmtp + "a=rtpmap:96 VP8/90000\r\n";
      else
        out += "a=rtpmap:102 H264/90000\r\n" + fmtp;
      out += "a=rtcp-fb:" + std::to_string (second) + " nack pli\r\n"
          "a=rtcp-fb:" + std::to_string (second) + " ccm fir\r\n";
    }
  }
  g_strfreev (lines);
  return out;
}

}  // namespace

namespace {

/* An H264 codec with @fmtp. */
OfferedCodec
h264_codec (int pt, const char *fmtp)
{
  OfferedCodec c;
  c.name = "H264";
  c.payload_type = pt;
  c.clock_rate = 90000;
  c.fmtp = fmtp;
  return c;
}

OfferedCodec
named_codec (const char *name, int pt)
{
  OfferedCodec c;
  c.name = name;
  c.payload_type = pt;
  c.clock_rate = 90000;
  return c;
}

OfferedMedia
video_of (std::initializer_list<OfferedCodec> codecs)
{
  OfferedMedia m;
  m.media = "video";
  m.kind = MediaKind::video;
  m.codecs = codecs;
  return m;
}

const char *kCB = "level-asymmetry-allowed=1;packetization-mode=1;"
    "profile-level-id=42e01f";

}  // namespace

/* Which H.264 openh264 can do: packetization mode 1 and a baseline
 * profile-level-id (constrained or not, or constrained baseline as Main or
 * Extended with constraint_set0); none means baseline. */
static void
test_h264_usable ()
{
  struct
  {
    const char *fmtp;
    bool usable;
  } cases[] = {
    {"packetization-mode=1;profile-level-id=42e01f", true},
    {"packetization-mode=1;profile-level-id=42001f", true},
    {"packetization-mode=1;profile-level-id=42C01E", true},
    {"packetization-mode=1;profile-level-id=4de01f", true},
    {"packetization-mode=1;profile-level-id=58e01f", true},
    {"packetization-mode=1", true},
    {"packetization-mode=1;profile-level-id=4d001f", false},  /* main */
    {"packetization-mode=1;profile-level-id=640c1f", false},  /* high */
    {"packetization-mode=1;profile-level-id=f4001f", false},
    {"packetization-mode=0;profile-level-id=42e01f", false},
    {"profile-level-id=42e01f", false},  /* mode 0 */
    {"packetization-mode=1;profile-level-id=42e01", false},
    {"packetization-mode=1;profile-level-id=42e01fz", false},
    {"packetization-mode=1;profile-level-id=42e0\r\n", false},
    {"", false},
  };
  for (const auto & c : cases) {
    g_test_message ("%s", c.fmtp);
    g_assert_cmpint (h264_usable (h264_codec (102, c.fmtp)), ==, c.usable);
  }
  OfferedCodec vp8 = named_codec ("VP8", 96);
  vp8.fmtp = "packetization-mode=1";
  g_assert_false (h264_usable (vp8));
}

/* VP8 by default; H.264 when the client's first video codec is H264 (or
 * it has no VP8) and it offers H.264 openh264 can do, and the elements
 * are there. */
static void
test_codec_choice ()
{
  struct
  {
    const char *what;
    OfferedMedia media;
    bool h264_elements;
    int pt;                     /* -1: none */
    VideoCodec codec;
  } cases[] = {
    {"VP8 first", video_of ({named_codec ("VP8", 96), h264_codec (102, kCB)}),
        true, 96, VideoCodec::vp8},
    {"H.264 first", video_of ({h264_codec (102, kCB), named_codec ("VP8", 96)}),
        true, 102, VideoCodec::h264},
    {"H.264 first, no openh264", video_of ({h264_codec (102, kCB),
                named_codec ("VP8", 96)}), false, 96, VideoCodec::vp8},
    {"rtx before H.264", video_of ({named_codec ("rtx", 97), h264_codec (102,
                    kCB), named_codec ("VP8", 96)}), true, 102,
        VideoCodec::h264},
    /* Safari: High first, constrained baseline next. */
    {"High then CB", video_of ({h264_codec (96, "packetization-mode=1;"
                    "profile-level-id=640c1f"), h264_codec (98, kCB),
                named_codec ("VP8", 100)}), true, 98, VideoCodec::h264},
    {"H.264 mode 0 first", video_of ({h264_codec (102, "packetization-mode=0;"
                    "profile-level-id=42e01f"), named_codec ("VP8", 96)}),
        true, 96, VideoCodec::vp8},
    {"High only, then VP8", video_of ({h264_codec (96, "packetization-mode=1;"
                    "profile-level-id=640c1f"), named_codec ("VP8", 100)}),
        true, 100, VideoCodec::vp8},
    {"H.264 only", video_of ({h264_codec (102, kCB)}), true, 102,
        VideoCodec::h264},
    {"H.264 only, no openh264", video_of ({h264_codec (102, kCB)}), false, -1,
        VideoCodec::vp8},
    {"VP9 first", video_of ({named_codec ("VP9", 98), named_codec ("VP8", 96),
                h264_codec (102, kCB)}), true, 96, VideoCodec::vp8},
    {"VP9 only", video_of ({named_codec ("VP9", 98)}), true, -1,
        VideoCodec::vp8},
    {"nothing", video_of ({}), true, -1, VideoCodec::vp8},
  };
  for (const auto & c : cases) {
    VideoCodecChoice choice = choose_video_codec (c.media, c.h264_elements);
    g_test_message ("%s: %s %d", c.what, video_codec_name (choice.codec),
        choice.offered ? choice.offered->payload_type : -1);
    g_assert_cmpint (choice.offered ? choice.offered->payload_type : -1, ==,
        c.pt);
    if (c.pt >= 0)
      g_assert_true (choice.codec == c.codec);
  }
  /* The factory: openh264 is installed here. */
  g_assert_true (h264_elements_available ());
  VideoTrackFactory video;
  OfferedMedia h264_first = video_of ({h264_codec (102, kCB),
          named_codec ("VP8", 96)});
  g_assert_true (video.accepts (h264_first));
  g_assert_true (VideoTrackFactory::choose (h264_first).codec ==
      VideoCodec::h264);
  g_assert_true (video.accepts (video_of ({h264_codec (102, kCB)})));
  g_assert_false (video.accepts (video_of ({named_codec ("VP9", 98)})));
}

namespace {

/* The names of the factories of the elements in @bin, in its order of
 * children (last added first). */
std::string
element_factories (GstElement * bin)
{
  std::string out;
  for (GList * l = GST_BIN_CHILDREN (bin); l; l = l->next) {
    GstElementFactory *f = gst_element_get_factory (GST_ELEMENT (l->data));
    out = std::string (GST_OBJECT_NAME (f)) + (out.empty ()? "" : " ") + out;
  }
  return out;
}

}  // namespace

/* The video chains per codec: H.264's with openh264 and the payload type
 * and packetization the client offered; the receive chain follows what
 * arrives (the incoming stream's encoding-name), not the answer. */
static void
test_chains ()
{
  VideoTrackFactory video;
  PeerSettings settings;
  settings.video_bitrate = 500;
  settings.video_max_width = 640;
  settings.video_max_height = 480;
  OfferedMedia h264_first = video_of ({h264_codec (109, kCB),
          named_codec ("VP8", 96)});
  GstElement *appsrc = nullptr;
  GstElement *send = video.make_send_chain (h264_first, settings, &appsrc);
  g_assert_nonnull (send);
  gst_object_ref_sink (send);
  assert_str_eq (element_factories (send), "appsrc videoconvert videoscale "
      "capsfilter openh264enc rtph264pay");
  for (GList * l = GST_BIN_CHILDREN (send); l; l = l->next) {
    auto *e = GST_ELEMENT (l->data);
    const char *name = GST_OBJECT_NAME (gst_element_get_factory (e));
    if (g_str_equal (name, "openh264enc")) {
      guint bitrate = 0, gop = 0;
      g_object_get (e, "bitrate", &bitrate, "gop-size", &gop, NULL);
      g_assert_cmpuint (bitrate, ==, 500000);
      g_assert_cmpuint (gop, ==, 60);
    } else if (g_str_equal (name, "rtph264pay")) {
      guint pt = 0;
      gint interval = 0, aggregate = 0;
      g_object_get (e, "pt", &pt, "config-interval", &interval, NULL);
      g_object_get (e, "aggregate-mode", &aggregate, NULL);
      g_assert_cmpuint (pt, ==, 109);
      g_assert_cmpint (interval, ==, -1);
      g_assert_cmpint (aggregate, ==, 1);      /* zero-latency */
    }
  }
  gst_object_unref (send);
  send = video.make_send_chain (video_of ({named_codec ("VP8", 100),
              h264_codec (109, kCB)}), settings, &appsrc);
  gst_object_ref_sink (send);
  assert_str_eq (element_factories (send), "appsrc videoconvert videoscale "
      "capsfilter vp8enc rtpvp8pay");
  gst_object_unref (send);

  GstCaps *output = gst_caps_from_string ("video/x-raw,format=I420");
  struct
  {
    const char *encoding;
    const char *elements;       /* NULL: no chain */
  } receive[] = {
    {nullptr, "rtph264depay h264parse openh264dec videoconvert capsfilter"},
    {"H264", "rtph264depay h264parse openh264dec videoconvert capsfilter"},
    {"VP8", "rtpvp8depay vp8dec videoconvert capsfilter"},
    {"vp8", "rtpvp8depay vp8dec videoconvert capsfilter"},
    {"VP9", nullptr},
  };
  for (const auto & r : receive) {
    GstElement *chain = video.make_receive_chain (h264_first, r.encoding,
        output);
    g_test_message ("%s: %s", r.encoding ? r.encoding : "(none)",
        chain ? "a chain" : "none");
    if (!r.elements) {
      g_assert_null (chain);
      continue;
    }
    g_assert_nonnull (chain);
    gst_object_ref_sink (chain);
    assert_str_eq (element_factories (chain), r.elements);
    gst_object_unref (chain);
  }
  gst_caps_unref (output);
}

/* The answer's H.264 fmtp gets the offered profile-level-id back (GstSDP
 * leaves it out with level-asymmetry-allowed), only for a usable H.264
 * codec of the same payload type and m-line, never twice. */
static void
test_answer_profile ()
{
  const std::string head = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
      "t=0 0\r\n";
  const std::string offer_text = head +
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"
      "a=fmtp:111 minptime=10\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 102 104 96\r\na=rtpmap:102 H264/90000\r\n"
      "a=fmtp:102 " + std::string (kCB) + "\r\n"
      "a=rtpmap:104 H264/90000\r\na=fmtp:104 level-asymmetry-allowed=1;"
      "packetization-mode=1;profile-level-id=640c1f\r\n"
      "a=rtpmap:96 VP8/90000\r\n";
  Offer offer;
  const char *code = nullptr, *detail = nullptr;
  GstSDPMessage *offer_sdp = parse_offer (offer_text.c_str (), &offer, &code,
      &detail);
  g_assert_nonnull (offer_sdp);
  gst_sdp_message_free (offer_sdp);
  const std::string answer_text = head +
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"
      "a=fmtp:111 minptime=10\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 102 104\r\na=rtpmap:102 H264/90000\r\n"
      "a=fmtp:102 packetization-mode=1;level-asymmetry-allowed=1\r\n"
      "a=rtpmap:104 H264/90000\r\n"
      "a=fmtp:104 packetization-mode=1;level-asymmetry-allowed=1\r\n";
  GstSDPMessage *answer = nullptr;
  g_assert_cmpint (gst_sdp_message_new_from_text (answer_text.c_str (),
          &answer), ==, GST_SDP_OK);
  restore_h264_profile (answer, offer);
  restore_h264_profile (answer, offer);
  gchar *text = gst_sdp_message_as_text (answer);
  std::string out = text;
  g_free (text);
  gst_sdp_message_free (answer);
  for (auto & l : sdp_lines (out, "a=fmtp"))
    g_test_message ("%s", l.c_str ());
  g_assert_true (has_line (out, "a=fmtp:102 packetization-mode=1;"
          "level-asymmetry-allowed=1;profile-level-id=42e01f"));
  /* High: not one the peer answers with, left alone. */
  g_assert_true (has_line (out, "a=fmtp:104 packetization-mode=1;"
          "level-asymmetry-allowed=1"));
  g_assert_true (has_line (out, "a=fmtp:111 minptime=10"));
}

/* A client whose offer puts H.264 first: the answer is H.264, and its
 * picture (a colour only it sends) comes back decoded by openh264 at its
 * size; the server's PLI/FIR handling works for H.264 too. */
static void
test_h264_echo ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 peer-timeout=2");
  s.play ();
  CameraClient c ("h264", solid_colour (0x20c040), Codec::h264);
  HttpReply r = c.connect (s.port (),[](const std::string & offer) {
        return add_second_codec (offer, 102);
      });
  log_video_lines ("offer", c.offer ());
  g_assert_cmpuint (r.status, ==, 200);
  assert_str_eq (json_field (r.body, "type"), "answer");
  log_video_lines ("answer", c.answer ());
  g_assert_true (test::wait_for ([&] {
        return c.frames () >= 20;
      }, 20000));
  Picture p = c.last_picture ();
  auto centre = p.at (0.5, 0.5);
  g_test_message ("%zu frames back (%s), %dx%d, centre %d,%d,%d", c.frames (),
      c.received_encoding ().c_str (), p.width, p.height, centre[0],
      centre[1], centre[2]);
  assert_str_eq (c.received_encoding (), "H264");
  g_assert_cmpint (p.width, ==, 320);
  g_assert_cmpint (p.height, ==, 240);
  g_assert_cmpfloat (rgb_distance (centre, {32, 192, 64}), <, 60);
  /* H.264 only, the payload type offered, its profile-level-id restored,
   * PLI and FIR offered. */
  g_assert_true (has_line (c.answer (), "m=video 9 UDP/TLS/RTP/SAVPF 102"));
  g_assert_true (has_line (c.answer (), "a=rtpmap:102 H264/90000"));
  auto fmtp = sdp_lines (c.answer (), "a=fmtp:102 ");
  g_assert_cmpuint (fmtp.size (), ==, 1);
  g_assert_nonnull (strstr (fmtp[0].c_str (), "packetization-mode=1"));
  g_assert_nonnull (strstr (fmtp[0].c_str (), "profile-level-id=42e01f"));
  g_assert_true (has_line (c.answer (), "a=rtcp-fb:102 nack pli"));
  g_assert_true (has_line (c.answer (), "a=rtcp-fb:102 ccm fir"));
  /* A PLI and a FIR each bring an IDR soon (the periodic one: every 60
   * frames, 4 s here). */
  for (bool fir : {false, true}) {
    double ms = c.keyframe_after_request (fir);
    g_test_message ("%s: IDR after %.1f ms", fir ? "FIR" : "PLI", ms);
    g_assert_cmpfloat (ms, >=, 0);
  }
  c.stop ();
}

/* A client that prefers VP8 and offers H.264 too gets VP8 back. */
static void
test_vp8_preferred ()
{
  test::LivePipeline s ("sessionbin name=src port=0 address=127.0.0.1 "
      "ice-addresses=127.0.0.1 peer-timeout=2");
  s.play ();
  CameraClient c ("vp8-first", solid_colour (0xc04020), Codec::vp8);
  HttpReply r = c.connect (s.port (),[](const std::string & offer) {
        return add_second_codec (offer, 96);
      });
  log_video_lines ("offer", c.offer ());
  g_assert_cmpuint (r.status, ==, 200);
  assert_str_eq (json_field (r.body, "type"), "answer");
  log_video_lines ("answer", c.answer ());
  g_assert_true (has_line (c.answer (), "a=rtpmap:96 VP8/90000"));
  g_assert_true (sdp_lines (c.answer (), "a=rtpmap:102").empty ());
  g_assert_true (test::wait_for ([&] {
        return c.frames () >= 20;
      }, 20000));
  auto centre = c.last_picture ().at (0.5, 0.5);
  assert_str_eq (c.received_encoding (), "VP8");
  g_assert_cmpfloat (rgb_distance (centre, {192, 64, 32}), <, 60);
  c.stop ();
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/h264/usable", test_h264_usable);
  g_test_add_func ("/h264/codec-choice", test_codec_choice);
  g_test_add_func ("/h264/chains", test_chains);
  g_test_add_func ("/h264/answer-profile", test_answer_profile);
  g_test_add_func ("/h264/echo", test_h264_echo);
  g_test_add_func ("/h264/vp8-preferred", test_vp8_preferred);
  return g_test_run ();
}
