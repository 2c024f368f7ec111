/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sessionbin/handlerset.h"

#include <chrono>

namespace sessionbin {

void
HandlerSet::add (const std::shared_ptr<SessionHandler> & h)
{
  std::lock_guard < std::mutex > l (lock_);
  for (GstElement *e : h->elements ())
    by_element_[e] = h;
  by_context_[h->context ()] = h;
}

bool
HandlerSet::take (const std::shared_ptr<SessionHandler> & h)
{
  {
    std::lock_guard < std::mutex > l (lock_);
    if (h->removing)
      return false;
    h->removing = true;
    if (h->drain_timer) {
      gst_clock_id_unschedule (h->drain_timer);
      gst_clock_id_unref (h->drain_timer);
      h->drain_timer = nullptr;
    }
    auto it = by_context_.find (h->context ());
    if (it != by_context_.end () && it->second == h)
      by_context_.erase (it);
    for (GstElement *e : h->elements ())
      by_element_.erase (e);
  }
  emptied_.notify_all ();
  return true;
}

bool
HandlerSet::mark_failed (const std::shared_ptr<SessionHandler> & h)
{
  std::lock_guard < std::mutex > l (lock_);
  if (h->failed || h->removing)
    return false;
  h->failed = true;
  return true;
}

std::shared_ptr<SessionHandler>
HandlerSet::owner_of (GstObject * object, GstElement ** child)
{
  /* Up to the bin's direct child (parents taken with refs: a handler may
   * be leaving meanwhile). */
  GstObject *o = GST_OBJECT (gst_object_ref (object));
  while (o) {
    GstObject *parent = gst_object_get_parent (o);
    if (parent == GST_OBJECT (bin_)) {
      gst_object_unref (parent);
      break;
    }
    gst_object_unref (o);
    o = parent;
  }
  if (!o)
    return nullptr;
  std::shared_ptr<SessionHandler> h;
  {
    std::lock_guard < std::mutex > l (lock_);
    auto it = by_element_.find (GST_ELEMENT (o));
    if (it != by_element_.end ())
      h = it->second;
  }
  if (child)
    *child = GST_ELEMENT (o);
  gst_object_unref (o);         /* still the bin's child, or h is gone */
  return h;
}

std::shared_ptr<SessionHandler>
HandlerSet::find (GstSessionContext * context)
{
  std::lock_guard < std::mutex > l (lock_);
  auto it = by_context_.find (context);
  return it == by_context_.end ()? nullptr : it->second;
}

std::vector<std::shared_ptr<SessionHandler>>
HandlerSet::all ()
{
  std::lock_guard < std::mutex > l (lock_);
  std::vector<std::shared_ptr<SessionHandler>> out;
  for (auto &[context, h] : by_context_)
    out.push_back (h);
  return out;
}

bool
HandlerSet::eos (const std::shared_ptr<SessionHandler> & h,
    GstElement * child)
{
  std::lock_guard < std::mutex > l (lock_);
  return h->on_eos (child) && !h->removing;
}

void
HandlerSet::start_drain (GstSessionContext * context, guint seconds,
    GstClockCallback on_timeout, gpointer data, GDestroyNotify notify)
{
  std::lock_guard < std::mutex > l (lock_);
  auto it = by_context_.find (context);
  if (it == by_context_.end () || it->second->ended ||
      it->second->removing) {
    notify (data);
    return;
  }
  auto & h = it->second;
  h->ended = true;
  GstClock *clock = gst_system_clock_obtain ();
  h->drain_timer = gst_clock_new_single_shot_id (clock,
      gst_clock_get_time (clock) + seconds * GST_SECOND);
  gst_object_unref (clock);
  gst_clock_id_wait_async (h->drain_timer, on_timeout, data, notify);
}

bool
HandlerSet::request_eos ()
{
  std::lock_guard < std::mutex > l (lock_);
  eos_requested_ = true;
  if (!by_context_.empty () || eos_posted_)
    return false;
  eos_posted_ = true;
  return true;
}

bool
HandlerSet::eos_due ()
{
  std::lock_guard < std::mutex > l (lock_);
  if (!eos_requested_ || eos_posted_ || !by_context_.empty ())
    return false;
  eos_posted_ = true;
  return true;
}

void
HandlerSet::reset_eos ()
{
  std::lock_guard < std::mutex > l (lock_);
  eos_requested_ = eos_posted_ = false;
}

void
HandlerSet::wait_empty (guint seconds)
{
  std::unique_lock < std::mutex > l (lock_);
  emptied_.wait_for (l, std::chrono::seconds (seconds),
      [this] { return by_context_.empty (); });
}

}  // namespace sessionbin
