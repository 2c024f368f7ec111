/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sessionbin/outputgate.h"

GST_DEBUG_CATEGORY_EXTERN (gst_session_bin_debug);
#define GST_CAT_DEFAULT gst_session_bin_debug

namespace sessionbin {

bool
OutputGate::cut (GstClockTime now)
{
  std::lock_guard < std::mutex > l (lock_);
  bool playing = GST_CLOCK_TIME_IS_VALID (played_until_) &&
      (!GST_CLOCK_TIME_IS_VALID (now) || played_until_ + kGrace > now);
  if (playing)
    cutting_ = true;
  return playing;
}

void
OutputGate::resume ()
{
  std::lock_guard < std::mutex > l (lock_);
  if (cutting_)
    GST_DEBUG ("a cut reply: %" G_GUINT64_FORMAT " buffers dropped",
        dropped_);
  cutting_ = false;
  dropped_ = 0;
}

bool
OutputGate::cutting () const
{
  std::lock_guard < std::mutex > l (lock_);
  return cutting_;
}

bool
OutputGate::admit (GstClockTime end)
{
  std::lock_guard < std::mutex > l (lock_);
  if (cutting_) {
    dropped_++;
    return false;
  }
  if (GST_CLOCK_TIME_IS_VALID (end))
    played_until_ = end;
  return true;
}

void
OutputGate::flushed ()
{
  std::lock_guard < std::mutex > l (lock_);
  played_until_ = GST_CLOCK_TIME_NONE;
}

}  // namespace sessionbin
