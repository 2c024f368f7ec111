/* A source pad of sessionsrc with its own queue and streaming task.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

/* A source pad with its own queue and streaming task: the server thread
 * never pushes downstream itself, so a slow consumer never stalls network
 * I/O. */
struct OutputPad
{
  /* What a pad asks of the element that has it. */
  class Owner
  {
  public:
    /* The caps every output pad carries now (a new ref). */
    virtual GstCaps *output_caps () = 0;
    /* On @out's task, once EOS went out on a session pad and the task is
     * paused: the session is over, the pad can go. */
    virtual void session_pad_finished (OutputPad * out) = 0;
    /* On @out's task: downstream of a session pad failed (@ret: an error,
     * not-negotiated). That session only is over; its pad drops what
     * comes until its EOS. */
    virtual void session_pad_failed (OutputPad * out, GstFlowReturn ret) = 0;
    /* On the pushing thread, no lock held: @buf waited longer than
     * #max_latency and is dropped (unreffed after this returns). */
    virtual void audio_dropped (OutputPad * out, GstBuffer * buf) = 0;
  protected:
    ~Owner () = default;
  };

  GstElement *element = nullptr;
  Owner *owner = nullptr;
  GstPad *pad = nullptr;        /* owned */
  bool is_session_pad = false;
  std::string session_id;
  bool failed = false;          /* this pad's task only */

  std::mutex lock;
  std::condition_variable cond;
  std::deque<GstMiniObject *> queue;
  bool flushing = true;
  /* The oldest audio the queue may hold (running time since its arrival
   * stamp); 0: unbounded. Set before the pad is active. */
  GstClockTime max_latency = 0;

  ~OutputPad ()
  {
    drop_all ();
    gst_object_unref (pad);
  }

  /* Queues @obj. Buffers older than #max_latency by @obj's timestamp
   * (the time of arrival) go first, oldest first; events always stay.
   * Returns how old the oldest buffer left in the queue is. */
  GstClockTime push (GstMiniObject * obj)
  {
    std::vector<GstBuffer *> stale;
    GstClockTime backlog = 0;
    {
      std::lock_guard < std::mutex > l (lock);
      if (!flushing) {
        if (GST_IS_BUFFER (obj))
          backlog = trim_locked (GST_BUFFER_PTS (obj), stale);
        queue.push_back (obj);
        obj = nullptr;
      }
    }
    if (obj)
      gst_mini_object_unref (obj);
    else
      cond.notify_one ();
    for (GstBuffer *buf : stale) {
      owner->audio_dropped (this, buf);
      gst_buffer_unref (buf);
    }
    return backlog;
  }

  /* Moves the buffers older than max_latency at @now to @stale; the age
   * of the oldest that stays (0 if none). */
  GstClockTime trim_locked (GstClockTime now, std::vector<GstBuffer *> & stale)
  {
    if (!GST_CLOCK_TIME_IS_VALID (now))
      return 0;
    for (size_t i = 0; i < queue.size ();) {
      if (!GST_IS_BUFFER (queue[i])) {
        i++;
        continue;
      }
      GstClockTime pts = GST_BUFFER_PTS (GST_BUFFER (queue[i]));
      if (!GST_CLOCK_TIME_IS_VALID (pts) || pts >= now)
        return 0;
      if (max_latency == 0 || now - pts <= max_latency)
        return now - pts;
      stale.push_back (GST_BUFFER (queue[i]));
      queue.erase (queue.begin () + i);
    }
    return 0;
  }

  /* Blocks; nullptr when flushing. */
  GstMiniObject *pop ()
  {
    std::unique_lock < std::mutex > l (lock);
    cond.wait (l,[this] {
          return flushing || !queue.empty ();
        });
    if (flushing)
      return nullptr;
    GstMiniObject *obj = queue.front ();
    queue.pop_front ();
    return obj;
  }

  void set_flushing (bool f)
  {
    {
      std::lock_guard < std::mutex > l (lock);
      flushing = f;
    }
    if (f) {
      drop_all ();
      cond.notify_all ();
    }
  }

  void drop_all ()
  {
    std::deque<GstMiniObject *> old;
    {
      std::lock_guard < std::mutex > l (lock);
      old.swap (queue);
    }
    for (auto *obj : old)
      gst_mini_object_unref (obj);
  }
};

/* A pad of @element from @templ, flushing until activated; its queries
 * and the end of a session pad go to @owner. */
std::shared_ptr<OutputPad> make_output_pad (GstElement * element,
    OutputPad::Owner * owner, GstStaticPadTemplate * templ,
    const gchar * name);

/* An element's sometimes pads, one per session: added when the session
 * starts, removed after its EOS. */
class SessionPads
{
public:
  SessionPads (GstElement * element, OutputPad::Owner * owner,
      GstStaticPadTemplate * templ)
  :  element (element), owner (owner), templ (templ) {}

  /* A new active pad for the session @id, its stream-start, @caps,
   * segment and session-context (@context) events stored, added to the
   * element. */
  std::shared_ptr<OutputPad> add (const std::string & id,
      GstSessionContext * context, GstCaps * caps);
  /* On @out's task, after its EOS: removes it from the element, from
   * another thread (a task cannot join itself). */
  void remove_async (OutputPad * out);
  /* Deactivates and removes them all. */
  void remove_all ();
  std::vector<std::shared_ptr<OutputPad>> list ();

private:
  GstElement *element;
  OutputPad::Owner *owner;
  GstStaticPadTemplate *templ;

  std::mutex lock;              /* guards what follows */
  std::vector<std::shared_ptr<OutputPad>> pads;
  guint next_pad = 0;
};
