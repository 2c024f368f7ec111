/* The kinds of media a session may carry, one word each: what an offer's
 * m-lines, a peer's tracks, an element's pads and a handler's pads are
 * matched by.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstring>

namespace sessionctx {

enum class MediaKind
{
  audio,
  video,
};

constexpr MediaKind kMediaKinds[] = { MediaKind::audio, MediaKind::video };
constexpr int kMediaKindCount = 2;

/* @kind as one bit of a set of kinds. */
constexpr unsigned
media_kind_bit (MediaKind kind)
{
  return 1u << (unsigned) kind;
}

/* "audio", "video": the SDP media name and the caps' media type prefix. */
constexpr const char *
media_kind_name (MediaKind kind)
{
  return kind == MediaKind::audio ? "audio" : "video";
}

/* The kind of an SDP media name or a raw caps name ("audio/x-raw"); false
 * for anything else (application, text, ...). */
inline bool
media_kind_from_name (const char *name, MediaKind * kind)
{
  if (!name)
    return false;
  if (strncmp (name, "audio", 5) == 0 && (name[5] == '\0' || name[5] == '/')) {
    *kind = MediaKind::audio;
    return true;
  }
  if (strncmp (name, "video", 5) == 0 && (name[5] == '\0' || name[5] == '/')) {
    *kind = MediaKind::video;
    return true;
  }
  return false;
}

}  // namespace sessionctx
