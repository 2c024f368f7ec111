/* One I/O wakeup as a unit: work queued during it (waking a consumer) runs
 * once at its end instead of once per item.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <memory>

namespace sessionctx {

/* Something to run once when the current round of this thread ends. */
class RoundEnd
{
public:
  virtual ~RoundEnd () = default;
  virtual void on_round_end () = 0;
};

/* Open on an I/O thread for the length of one wakeup (Server::on_epoll):
 * what defer_to_round_end () is handed on that thread meanwhile runs when
 * the outermost round closes, in the order given. Rounds are per thread;
 * a thread with no open round defers nothing. */
class IoRound
{
public:
  IoRound ();
  ~IoRound ();
  IoRound (const IoRound &) = delete;
  IoRound & operator= (const IoRound &) = delete;
};

/* False (and nothing kept) when no round is open on this thread: the
 * caller must do the work at once. Otherwise @what runs at the round's end
 * (it is kept alive until then). */
bool defer_to_round_end (std::shared_ptr<RoundEnd> what);

/* Whether a round is open on this thread. */
bool io_round_open ();

}  // namespace sessionctx
