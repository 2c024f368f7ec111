/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "rtp/contextcache.h"

#include <algorithm>

namespace sessionctx::rtp {

gst::session::Context
ContextCache::find (std::string_view id)
{
  for (size_t i = 0; i < entries_.size (); i++) {
    if (entries_[i].first != id)
      continue;
    if (i > 0)
      std::rotate (entries_.begin (), entries_.begin () + i,
          entries_.begin () + i + 1);
    return entries_.front ().second;
  }
  return {};
}

void
ContextCache::insert (std::string_view id, gst::session::Context context)
{
  auto same = std::find_if (entries_.begin (), entries_.end (),
      [id](const auto & e) { return e.first == id; });
  if (same != entries_.end ())
    entries_.erase (same);
  entries_.emplace (entries_.begin (), std::string (id), std::move (context));
  if (entries_.size () > kCapacity)
    entries_.pop_back ();
}

}  // namespace sessionctx::rtp
