/* A source pad of sessionsrc with its own queue and streaming task, and
 * the session pads (one per session and media kind).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.h>

#include "core/mediakind.h"
#include "io/ioround.h"
#include "stream/padpool.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

/* A source pad with its own queue, pushed downstream by its own streaming
 * task or, with a #pool, by the threads the element's session pads share:
 * the server thread never pushes downstream itself, so a slow consumer
 * never stalls network I/O. What an I/O thread queues during one wakeup
 * (an IoRound) wakes the task (or puts the pad on the pool's run queue)
 * once, at the wakeup's end; what is queued is taken in one go. */
struct OutputPad : public sessionctx::RoundEnd, public PoolJob,
    public std::enable_shared_from_this<OutputPad>
{
  /* What a pad asks of the element that has it. */
  class Owner
  {
  public:
    /* The caps every output pad of @kind carries now (a new ref). */
    virtual GstCaps *output_caps (sessionctx::MediaKind kind) = 0;
    /* On @out's task, once EOS went out on a session pad and the task is
     * paused: the session is over, the pad can go. */
    virtual void session_pad_finished (OutputPad * out) = 0;
    /* On @out's task: downstream of a session pad failed (@ret: an error,
     * not-negotiated). That session only is over; its pad drops what
     * comes until its EOS. */
    virtual void session_pad_failed (OutputPad * out, GstFlowReturn ret) = 0;
    /* On the pushing thread, no lock held: @buf waited longer than
     * #max_latency, or more than #max_buffers waited, and it is dropped
     * (unreffed after this returns). */
    virtual void dropped (OutputPad * out, GstBuffer * buf) = 0;
  protected:
    ~Owner () = default;
  };

  GstElement *element = nullptr;
  Owner *owner = nullptr;
  sessionctx::MediaKind kind = sessionctx::MediaKind::audio;
  GstPad *pad = nullptr;        /* owned */
  bool is_session_pad = false;
  std::string session_id;
  bool failed = false;          /* this pad's task only */
  /* How many buffers the task takes at once (this pad's task only): as
   * many as downstream handled in kBatchBudget last time, so that what is
   * taken out of reach of trim_locked () stays young. */
  size_t batch_limit = 1;
  std::deque<GstMiniObject *> taken;    /* this pad's task only */

  std::mutex lock;
  std::condition_variable cond;
  std::deque<GstMiniObject *> queue;
  bool flushing = true;
  /* A wakeup of the task waits for the end of an I/O round. */
  bool wake_deferred = false;
  /* The oldest audio the queue may hold (running time since its arrival
   * stamp); 0: unbounded. Set before the pad is active. */
  GstClockTime max_latency = 0;
  /* The most buffers the queue holds (video: a few frames, the newest
   * matter); 0: as many as max_latency lets. Set before the pad is
   * active. */
  size_t max_buffers = 0;
  /* The shared threads that push this pad (session pads), NULL for a task
   * of its own. Set before the pad is active; outlives its activity. */
  PadPool *pool = nullptr;
  /* With a pool: on its run queue or being pushed (one thread at a time). */
  bool scheduled = false;
  /* With a pool: pushing stopped (downstream flushing, the session's EOS
   * out) until the pad is activated again; a task would be paused. */
  bool stalled = false;
  /* Queued, not pushed, until release () (the element links the pad in
   * the background): nothing is pushed into an unlinked pad. */
  bool held = false;
  /* Buffers at the front of the queue that came while #held: never
   * trimmed by max_latency (a session's first audio waits for its handler
   * and is not lost; no audio is lost at a session's edges). */
  size_t held_buffers = 0;

  ~OutputPad ()
  {
    drop_all ();
    for (auto *obj : taken)
      gst_mini_object_unref (obj);
    gst_object_unref (pad);
  }

  /* Queues @obj. Buffers older than #max_latency by @obj's timestamp
   * (the time of arrival) go first, oldest first, then the oldest past
   * #max_buffers; events always stay.
   * Returns how old the oldest buffer left in the queue is. Wakes the task
   * at once, or at the end of this thread's I/O round if one is open. */
  GstClockTime push (GstMiniObject * obj)
  {
    std::vector<GstBuffer *> stale;
    GstClockTime backlog = 0;
    bool wake = false;
    {
      std::lock_guard < std::mutex > l (lock);
      if (!flushing) {
        if (GST_IS_BUFFER (obj)) {
          if (held)
            held_buffers++;
          else
            backlog = trim_locked (GST_BUFFER_PTS (obj), stale);
          if (max_buffers)
            bound_locked (max_buffers - 1, stale);
        }
        queue.push_back (obj);
        obj = nullptr;
        /* A pool batches a round's pads itself. */
        if (schedule_locked ())
          ;
        else if (!sessionctx::io_round_open ())
          wake = true;
        else if (!wake_deferred)
          wake_deferred = sessionctx::defer_to_round_end (shared_from_this ());
      }
    }
    if (obj)
      gst_mini_object_unref (obj);
    if (wake)
      cond.notify_one ();
    for (GstBuffer *buf : stale) {
      owner->dropped (this, buf);
      gst_buffer_unref (buf);
    }
    return backlog;
  }

  /* The deferred wakeup, at the end of the round that queued something. */
  void on_round_end () override
  {
    {
      std::lock_guard < std::mutex > l (lock);
      wake_deferred = false;
      if (schedule_locked ())
        return;
    }
    cond.notify_one ();
  }

  /* With a pool: puts the pad on its run queue if something waits there
   * to be pushed and it is not on it yet. False without a pool (the task
   * is to be woken instead). */
  bool schedule_locked ()
  {
    if (!pool)
      return false;
    if (!scheduled && !flushing && !stalled && !held && !queue.empty ()) {
      scheduled = true;
      pool->ready (shared_from_this ());
    }
    return true;
  }

  /* On a pool's thread (output_pad_run). */
  void run_in_pool () override;

  /* Let what is queued go (see #held). */
  void release ()
  {
    bool wake;
    {
      std::lock_guard < std::mutex > l (lock);
      held = false;
      wake = !schedule_locked ();
    }
    if (wake)
      cond.notify_one ();
  }

  /* With a pool, after one batch: back on the run queue if more waits. */
  void after_run ()
  {
    std::lock_guard < std::mutex > l (lock);
    scheduled = false;
    schedule_locked ();
  }

  /* Moves the buffers older than max_latency at @now to @stale; the age
   * of the oldest that stays (0 if none). */
  GstClockTime trim_locked (GstClockTime now, std::vector<GstBuffer *> & stale)
  {
    if (!GST_CLOCK_TIME_IS_VALID (now))
      return 0;
    size_t exempt = held_buffers;
    for (size_t i = 0; i < queue.size ();) {
      if (!GST_IS_BUFFER (queue[i])) {
        i++;
        continue;
      }
      if (exempt > 0) {
        exempt--;
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

  /* Moves the oldest buffers to @stale until at most @most are left. */
  void bound_locked (size_t most, std::vector<GstBuffer *> & stale)
  {
    size_t buffers = 0;
    for (auto *obj : queue)
      buffers += GST_IS_BUFFER (obj);
    for (size_t i = 0; buffers > most && i < queue.size ();) {
      if (!GST_IS_BUFFER (queue[i])) {
        i++;
        continue;
      }
      stale.push_back (GST_BUFFER (queue[i]));
      queue.erase (queue.begin () + i);
      buffers--;
      if (held_buffers > 0)
        held_buffers--;
    }
  }

  /* Blocks (unless @wait is false) until something is queued and not
   * #held, then moves to @batch (empty) what is queued, in order, up to
   * #batch_limit buffers (events come along); false when flushing (or,
   * not waiting, when nothing can be taken). */
  bool take (std::deque<GstMiniObject *> & batch, bool wait = true)
  {
    std::unique_lock < std::mutex > l (lock);
    if (wait)
      cond.wait (l,[this] {
            return flushing || (!queue.empty () && !held);
          });
    if (flushing || queue.empty () || held)
      return false;
    size_t buffers = 0;
    size_t n = 0;
    while (n < queue.size () && (buffers < batch_limit
            || !GST_IS_BUFFER (queue[n]))) {
      if (GST_IS_BUFFER (queue[n]))
        buffers++;
      n++;
    }
    held_buffers -= MIN (held_buffers, buffers);
    if (n == queue.size ()) {
      batch.swap (queue);
    } else {
      batch.assign (queue.begin (), queue.begin () + n);
      queue.erase (queue.begin (), queue.begin () + n);
    }
    return true;
  }

  /* What the task took and did not push goes back to the front, as if it
   * had never been taken (dropped if the pad is flushing). */
  void put_back (std::deque<GstMiniObject *> & rest)
  {
    {
      std::lock_guard < std::mutex > l (lock);
      if (!flushing) {
        queue.insert (queue.begin (), rest.begin (), rest.end ());
        rest.clear ();
      }
    }
    for (auto *obj : rest)
      gst_mini_object_unref (obj);
    rest.clear ();
  }

  void set_flushing (bool f)
  {
    {
      std::lock_guard < std::mutex > l (lock);
      flushing = f;
      if (!f)
        stalled = false;
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
      held_buffers = 0;
    }
    for (auto *obj : old)
      gst_mini_object_unref (obj);
  }
};

/* A pad of @element from @templ carrying @kind, flushing until activated;
 * its queries and the end of a session pad go to @owner. */
std::shared_ptr<OutputPad> make_output_pad (GstElement * element,
    OutputPad::Owner * owner, GstStaticPadTemplate * templ,
    const gchar * name, sessionctx::MediaKind kind);

/* On a pool's thread: pushes one batch of what @out holds (as one turn of
 * a pad's own task), then puts it back on the run queue if more waits. */
void output_pad_run (OutputPad & out);

/* The OutputPad behind a session pad of sessionsrc (@pad: one of its
 * `src_%u` / `video_src_%u`), NULL for any other pad. */
OutputPad *output_pad_of (GstPad * pad);

/* An element's sometimes pads, one per session and media kind: added when
 * the session starts, removed after its EOS. A session's pads share its
 * number (`src_3`, and `video_src_3` beside it). */
class SessionPads
{
public:
  /* @templates: the sometimes template of each kind (by MediaKind), its
   * name template with one %u; NULL for a kind the element has no pads
   * of. */
  SessionPads (GstElement * element, OutputPad::Owner * owner,
      GstStaticPadTemplate * const templates[sessionctx::kMediaKindCount])
  :  element (element), owner (owner)
  {
    for (int i = 0; i < sessionctx::kMediaKindCount; i++)
      this->templates[i] = templates[i];
  }

  /* The number a new session's pads are named with. */
  guint next_number ()
  {
    std::lock_guard < std::mutex > l (lock);
    return next_pad++;
  }
  /* A new active @kind pad for the session @id, named with @number, its
   * stream-start, @caps (when fixed: video's come with its stream),
   * segment and session-context (@context) events stored, added to the
   * element. */
  std::shared_ptr<OutputPad> add (sessionctx::MediaKind kind, guint number,
      const std::string & id, GstSessionContext * context, GstCaps * caps);
  /* How the session pads added from now on are pushed: by @threads shared
   * threads (PadPool::threads_for: 0 is one per core), or, with -1, each
   * by a streaming task of its own. At the element's start. */
  void set_streaming_threads (int threads);
  /* The shared threads, if any (NULL with a task per pad). */
  PadPool *pool ()
  {
    std::lock_guard < std::mutex > l (lock);
    return pool_.get ();
  }
  /* On @out's task, after its EOS: removes it from the element, from
   * another thread (a task cannot join itself). */
  void remove_async (OutputPad * out);
  /* Deactivates and removes them all. */
  void remove_all ();
  std::vector<std::shared_ptr<OutputPad>> list ();

private:
  /* The stream id of @pad, the session @id's pad of @kind. */
  std::string stream_id (GstPad * pad, sessionctx::MediaKind kind,
      const std::string & id);

  GstElement *element;
  OutputPad::Owner *owner;
  GstStaticPadTemplate *templates[sessionctx::kMediaKindCount];

  std::mutex lock;              /* guards what follows */
  std::vector<std::shared_ptr<OutputPad>> pads;
  guint next_pad = 0;
  /* The first part of every stream id (GStreamer's hash for this
   * element), made once: making it queries the element, which in a bin
   * asks each of its sinks (sessionbin: one per session). */
  std::string stream_id_base;
  /* Outlives every pad it pushes: remove_all () deactivates them first. */
  std::unique_ptr<PadPool> pool_;
};
