/* The contexts a receiving extension made from session ids read on the
 * wire: one per id, the most recently met kCapacity of them kept, so a
 * session's context is made (and the lookup hook asked) once per session,
 * not once per packet. Not locked: its owner holds a lock around it.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/sessionctx/sessionctx.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessionctx::rtp {

class ContextCache
{
public:
  static constexpr size_t kCapacity = 64;

  /* The context kept for @id (it becomes the most recent), or an empty
   * one. */
  gst::session::Context find (std::string_view id);
  /* Keeps @context for @id (replacing what was kept for it), the least
   * recently met id dropped past kCapacity. */
  void insert (std::string_view id, gst::session::Context context);
  void clear () { entries_.clear (); }
  size_t size () const { return entries_.size (); }

private:
  /* Most recent first: a stream of one session hits the first entry. */
  std::vector<std::pair<std::string, gst::session::Context>> entries_;
};

}  // namespace sessionctx::rtp
