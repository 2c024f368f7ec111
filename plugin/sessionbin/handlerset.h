/* The live handlers of a sessionbin, found by session, by id or by the
 * element a message came from, and the bin's EOS once they are all done.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sessionbin/sessionhandler.h"

#include <gst/gst.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace sessionbin {

class HandlerSet
{
public:
  explicit HandlerSet (GstBin * bin):bin_ (bin) {}

  void add (const std::shared_ptr<SessionHandler> & h);
  /* Claims @h's removal: forgotten, its drain timer cancelled. False when
   * it was claimed already. */
  bool take (const std::shared_ptr<SessionHandler> & h);
  /* Marks @h failed; false when it had failed or is going already. */
  bool mark_failed (const std::shared_ptr<SessionHandler> & h);

  /* The handler @object is or is in, and the bin's direct child it is
   * under (@child, not a new ref). */
  std::shared_ptr<SessionHandler> owner_of (GstObject * object,
      GstElement ** child);
  std::shared_ptr<SessionHandler> find (GstSessionContext * context);
  std::vector<std::shared_ptr<SessionHandler>> all ();

  /* An EOS message from @child of @h: true when @h is now done. */
  bool eos (const std::shared_ptr<SessionHandler> & h, GstElement * child);
  /* Session ended: @h's drain timer starts (@on_timeout, @data, @notify as
   * for gst_clock_id_wait_async) unless it ended or goes already. */
  void start_drain (GstSessionContext * context, guint seconds,
      GstClockCallback on_timeout, gpointer data, GDestroyNotify notify);

  /* The application asked for EOS: true when the bin's EOS is due now (no
   * handler left). */
  bool request_eos ();
  /* After a removal: true once when the requested EOS is due. */
  bool eos_due ();
  void reset_eos ();
  /* Waits up to @seconds for the set to empty. */
  void wait_empty (guint seconds);

private:
  GstBin *bin_;
  std::mutex lock_;             /* guards all below; never held across
                                 * calls into GStreamer */
  std::condition_variable emptied_;
  std::unordered_map<GstSessionContext *, std::shared_ptr<SessionHandler>>
      by_context_;
  /* The bin's direct children that belong to a handler. */
  std::unordered_map<GstElement *, std::shared_ptr<SessionHandler>>
      by_element_;
  bool eos_requested_ = false;
  bool eos_posted_ = false;
};

}  // namespace sessionbin
