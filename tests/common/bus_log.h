/* A pipeline's bus messages kept for assertions; session timeouts' window.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <mutex>
#include <string>
#include <vector>

namespace test {

/* Collects element/warning/error messages from a pipeline's bus. */
class BusLog
{
public:
  explicit BusLog (GstElement * pipeline)
  {
    bus_ = gst_element_get_bus (pipeline);
    gst_bus_set_sync_handler (bus_,[](GstBus *, GstMessage * m,
            gpointer data)->GstBusSyncReply {
          auto *self = static_cast<BusLog *> (data);
          /* GST_BUS_DROP hands the message's reference to the handler.
           * Keep only what tests read: a kept state-changed message would
           * keep its source element (and its threads) alive. */
          const auto kept = GST_MESSAGE_ELEMENT | GST_MESSAGE_WARNING |
              GST_MESSAGE_ERROR | GST_MESSAGE_EOS;
          if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_STATE_CHANGED) {
            StateSource source;
            source.name = GST_MESSAGE_SRC_NAME (m) ?
                GST_MESSAGE_SRC_NAME (m) : "?";
            /* How deep in the object tree it is, read now: by the time a
             * test looks, a peer's element may be gone (or its name be
             * another's). */
            GstObject *up = GST_MESSAGE_SRC (m) ?
                gst_object_get_parent (GST_MESSAGE_SRC (m)) : nullptr;
            while (up) {
              source.depth++;
              GstObject *next = gst_object_get_parent (up);
              gst_object_unref (up);
              up = next;
            }
            std::lock_guard < std::mutex > l (self->lock_);
            self->state_sources_.push_back (std::move (source));
          }
          if (!(GST_MESSAGE_TYPE (m) & kept)) {
            gst_message_unref (m);
            return GST_BUS_DROP;
          }
          std::lock_guard < std::mutex > l (self->lock_);
          self->messages_.push_back (m);
          self->times_us_.push_back (g_get_monotonic_time ());
          return GST_BUS_DROP;
        }, this, nullptr);
  }
  ~BusLog ()
  {
    gst_bus_set_sync_handler (bus_, nullptr, nullptr, nullptr);
    gst_object_unref (bus_);
    for (auto *m : messages_)
      gst_message_unref (m);
  }
  /* Structures of element messages named @name (copies). */
  std::vector<GstStructure *> elements (const char *name)
  {
    std::vector<GstStructure *> out;
    std::lock_guard < std::mutex > l (lock_);
    for (auto *m : messages_) {
      const GstStructure *s = gst_message_get_structure (m);
      if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT && s &&
          gst_structure_has_name (s, name))
        out.push_back (gst_structure_copy (s));
    }
    return out;
  }
  size_t count_elements (const char *name)
  {
    auto v = elements (name);
    for (auto *s : v)
      gst_structure_free (s);
    return v.size ();
  }
  /* Warnings whose details carry session-id/error fields: "id|code". */
  std::vector<std::string> warnings ()
  {
    std::vector<std::string> out;
    std::lock_guard < std::mutex > l (lock_);
    for (auto *m : messages_) {
      if (GST_MESSAGE_TYPE (m) != GST_MESSAGE_WARNING)
        continue;
      const GstStructure *d = nullptr;
      gst_message_parse_warning_details (m, &d);
      GError *err = nullptr;
      gst_message_parse_warning (m, &err, nullptr);
      std::string line = err ? err->message : "";
      if (d && gst_structure_get_string (d, "error"))
        line = std::string (gst_structure_get_string (d, "session-id")) +
            "|" + gst_structure_get_string (d, "error");
      g_clear_error (&err);
      out.push_back (line);
    }
    return out;
  }
  bool has_warning (const std::string & text)
  {
    for (auto & w : warnings ())
      if (w.find (text) != std::string::npos)
        return true;
    return false;
  }
  /* The source of a state-changed message: its name, and how many
   * ancestors it had when it posted (0: the pipeline; 1: its children). */
  struct StateSource
  {
    std::string name;
    int depth = 0;
  };
  /* The sources of every state-changed message so far, in order (not kept
   * as messages: see the sync handler). */
  std::vector<StateSource> state_sources ()
  {
    std::lock_guard < std::mutex > l (lock_);
    return state_sources_;
  }
  size_t count_type (GstMessageType type)
  {
    std::lock_guard < std::mutex > l (lock_);
    size_t n = 0;
    for (auto *m : messages_)
      n += GST_MESSAGE_TYPE (m) == type;
    return n;
  }
  /* When (monotonic µs) the first element message @name of session @id
   * was posted, or -1. */
  gint64 time_of (const char *name, const std::string & id)
  {
    std::lock_guard < std::mutex > l (lock_);
    for (size_t i = 0; i < messages_.size (); i++) {
      const GstStructure *s = gst_message_get_structure (messages_[i]);
      if (GST_MESSAGE_TYPE (messages_[i]) == GST_MESSAGE_ELEMENT && s &&
          gst_structure_has_name (s, name) && g_strcmp0 (id.c_str (),
              gst_structure_get_string (s, "session-id")) == 0)
        return times_us_[i];
    }
    return -1;
  }
  /* The reason nick of the session-ended message for @id, or "". */
  std::string ended_reason (const std::string & id)
  {
    std::string r;
    for (auto *s : elements ("session-ended")) {
      if (id == gst_structure_get_string (s, "session-id"))
        r = gst_structure_get_string (s, "reason-name");
      gst_structure_free (s);
    }
    return r;
  }
private:
  GstBus *bus_;
  std::mutex lock_;
  std::vector<GstMessage *> messages_;
  std::vector<gint64> times_us_;        /* per message: when posted */
  std::vector<StateSource> state_sources_;
};

/* The server checks its timeouts (time-limit, idle-timeout,
 * connect-timeout, peer-timeout) on a tick of 1 s: a session ends at the
 * first tick at or after its deadline, so up to a tick late. The slack is
 * for a loaded machine; a doubled timeout of 2 s or more still falls
 * outside. */
constexpr gint64 kTimeoutTickMs = 1000;
constexpr gint64 kTimeoutSlackMs = 500;

/* Asserts that session @id's session-ended came @timeout_s after @from_us
 * (a time at or before the server started counting), within the tick;
 * @counted_by_us is a time at or after it (default: @from_us). */
inline void
assert_ended_in_window (BusLog & bus, const std::string & id, gint64 from_us,
    guint timeout_s, gint64 counted_by_us = 0)
{
  gint64 ended = bus.time_of ("session-ended", id);
  g_assert_cmpint (ended, >, 0);
  if (!counted_by_us)
    counted_by_us = from_us;
  g_assert_cmpint (counted_by_us, >=, from_us);
  const gint64 early_ms = (ended - from_us) / 1000;
  const gint64 late_ms = (ended - counted_by_us) / 1000;
  g_test_message ("%s ended %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
      " ms after its clock started (timeout %u s)", id.c_str (), late_ms,
      early_ms, timeout_s);
  /* Never early (50 ms: the two clocks are read a little apart). */
  g_assert_cmpint (early_ms, >=, (gint64) timeout_s * 1000 - 50);
  g_assert_cmpint (late_ms, <=, (gint64) timeout_s * 1000 + kTimeoutTickMs +
      kTimeoutSlackMs);
}

}  // namespace test
