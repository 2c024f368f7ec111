/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "io/ioround.h"

#include <vector>

namespace sessionctx {
namespace {

struct Round
{
  int depth = 0;
  std::vector<std::shared_ptr<RoundEnd>> deferred;
};

thread_local Round current;

}  // namespace

IoRound::IoRound ()
{
  current.depth++;
}

IoRound::~IoRound ()
{
  if (current.depth > 1) {
    current.depth--;
    return;
  }
  /* Still open while they run: what they defer in turn joins this list
   * (index loop: it may grow). */
  for (size_t i = 0; i < current.deferred.size (); i++) {
    std::shared_ptr<RoundEnd> what = std::move (current.deferred[i]);
    what->on_round_end ();
  }
  current.deferred.clear ();
  current.depth = 0;
}

bool
defer_to_round_end (std::shared_ptr<RoundEnd> what)
{
  if (current.depth == 0)
    return false;
  current.deferred.push_back (std::move (what));
  return true;
}

bool
io_round_open ()
{
  return current.depth > 0;
}

}  // namespace sessionctx
