/* Which codec a WebRTC peer's video speaks: VP8, or H.264 when the client
 * prefers it and openh264 can do what it offers.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "webrtc/offerinspect.h"

enum class VideoCodec
{
  vp8,
  h264,
};

/* "VP8", "H264": the RTP encoding name. */
const char *video_codec_name (VideoCodec codec);

struct VideoCodecChoice
{
  VideoCodec codec = VideoCodec::vp8;
  /* The offered codec answered (its payload type), NULL when the m-line
   * has none the peer speaks. */
  const OfferedCodec *offered = nullptr;
};

/* The first codec of @media that is a picture, not a repair stream (rtx,
 * red, ulpfec, flexfec): the one the client prefers. NULL if none. */
const OfferedCodec *first_video_codec (const OfferedMedia & media);

/* Whether @codec is H.264 that openh264 encodes and decodes:
 * packetization-mode=1 (FU-A, what rtph264pay sends), and a
 * profile-level-id of the Baseline profile (42xxxx: constrained baseline,
 * e.g. 42e01f, what openh264enc makes, or baseline, 42001f) or
 * constrained baseline signalled by Main or Extended (4d/58 with
 * constraint_set0); none means baseline (RFC 6184). */
bool h264_usable (const OfferedCodec & codec);

/* The codec of @media's answer: H.264 (its first usable H264 codec) when
 * @h264_available and either the client prefers H264 (its first video
 * codec is H264, of any profile) or it offers no VP8; otherwise VP8 when
 * offered; otherwise none (offered NULL). */
VideoCodecChoice choose_video_codec (const OfferedMedia & media,
    bool h264_available);

/* webrtcbin 1.22 (GstSDP) answers an H.264 offer with
 * level-asymmetry-allowed=1 without its profile-level-id, which then
 * reads as baseline level 1.0 (RFC 6184): puts the offered codec's back
 * on each H.264 fmtp line of @answer that lacks one. Media of @answer and
 * @offer match by index, codecs by payload type. */
void restore_h264_profile (GstSDPMessage * answer, const Offer & offer);

/* Whether this process has the H.264 elements (openh264enc, openh264dec,
 * h264parse, rtph264pay, rtph264depay); looked up once. */
bool h264_elements_available ();
