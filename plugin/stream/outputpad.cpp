/* A source pad of sessionsrc with its own queue and streaming task.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "stream/outputpad.h"
#include "stream/capsquery.h"

#include "stream/asynccall.h"
#include "wire/logsafe.h"

/* sessionsrc's category: these pads are its pads. */
GST_DEBUG_CATEGORY_EXTERN (gst_session_src_debug);
#define GST_CAT_DEFAULT gst_session_src_debug

namespace {

/* How long one batch may take downstream: what the task has taken is out
 * of reach of max-latency's trimming until it is pushed. */
constexpr GstClockTime kBatchBudget = 5 * GST_MSECOND;
constexpr size_t kMaxBatch = 4096;

/* What a push of audio returned: whether pushing goes on (else the task
 * is paused, or the pooled pad stalls). */
bool
audio_pushed (OutputPad * out, GstFlowReturn ret)
{
  if (ret == GST_FLOW_OK)
    return true;
  if (ret == GST_FLOW_NOT_LINKED && out->is_session_pad) {
    GST_LOG_OBJECT (out->pad, "session %s: pad not linked, buffer dropped",
        sessionctx::log_safe (out->session_id).c_str ());
    return true;
  }
  if (ret == GST_FLOW_FLUSHING)
    return false;
  if (ret == GST_FLOW_EOS) {
    GST_DEBUG_OBJECT (out->pad, "downstream is EOS");
    return true;
  }
  if (out->is_session_pad) {
    /* One session's processing failed, not the element's. */
    out->failed = true;
    out->owner->session_pad_failed (out, ret);
    return true;
  }
  GST_ELEMENT_FLOW_ERROR (out->element, ret);
  return false;
}

/* The chain_list function of a pad that has none of its own: GstPad's
 * (not exported), read off a pad made for it. */
GstPadChainListFunction
default_chain_list ()
{
  static GstPadChainListFunction func = [] {
    GstPad *pad = gst_pad_new (nullptr, GST_PAD_SINK);
    GstPadChainListFunction f = GST_PAD_CHAINLISTFUNC (pad);
    gst_object_unref (pad);
    return f;
  } ();
  return func;
}

/* Whether @pad's peer takes a GstBufferList in one go: a chain_list
 * function of its own (a sink's render_list, a queue, sessionbin's
 * output), through ghost pads to what they stand for. Into any other pad
 * GstPad chains a list buffer by buffer, each with a reference more while
 * the list keeps its own, so an element that writes to its buffers in
 * place (identity as a handler) copies every one of them: measured at
 * 1300 sessions on one core, gst_buffer_copy_into under gst_pad_push_list
 * on the pad thread whenever sessions had fallen behind (their batches
 * being several buffers); handler-threads-batch-uncopied. */
bool
peer_takes_lists (GstPad * pad)
{
  GstPad *peer = gst_pad_get_peer (pad);
  while (peer && GST_IS_GHOST_PAD (peer)) {
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (peer));
    gst_object_unref (peer);
    peer = target;
  }
  if (!peer)
    return false;
  bool takes = GST_PAD_CHAINLISTFUNC (peer) != default_chain_list ();
  gst_object_unref (peer);
  return takes;
}

/* Pushes the buffers at the front of @batch (up to the next event): more
 * than one as one GstBufferList where the peer takes lists
 * (peer_takes_lists), else one by one. Whether the task goes on. */
bool
push_audio (OutputPad * out, std::deque<GstMiniObject *> & batch,
    size_t & pushed)
{
  size_t run = 1;
  while (run < batch.size () && GST_IS_BUFFER (batch[run]))
    run++;
  /* A failed session's pad takes nothing more (audio_pushed). */
  if (!out->failed)
    pushed += run;
  if (!out->failed && run > 1 && peer_takes_lists (out->pad)) {
    GstBufferList *list = gst_buffer_list_new_sized (run);
    for (size_t i = 0; i < run; i++) {
      gst_buffer_list_add (list, GST_BUFFER (batch.front ()));
      batch.pop_front ();
    }
    return audio_pushed (out, gst_pad_push_list (out->pad, list));
  }
  for (size_t i = 0; i < run; i++) {
    GstBuffer *buf = GST_BUFFER (batch.front ());
    batch.pop_front ();
    if (out->failed)
      gst_buffer_unref (buf);
    else if (!audio_pushed (out, gst_pad_push (out->pad, buf)))
      return false;
  }
  return true;
}

/* Next time, as many buffers as downstream takes in kBatchBudget (or a
 * quarter of max-latency, if less) at this batch's pace. */
void
adapt_batch_limit (OutputPad * out, size_t pushed, gint64 elapsed_us)
{
  if (pushed == 0)
    return;
  GstClockTime budget = kBatchBudget;
  if (out->max_latency != 0 && out->max_latency / 4 < budget)
    budget = out->max_latency / 4;
  GstClockTime per_buffer = elapsed_us * GST_USECOND / pushed;
  size_t limit = per_buffer == 0 ? kMaxBatch : budget / per_buffer;
  out->batch_limit = CLAMP (limit, (size_t) 1, kMaxBatch);
}

}  // namespace

static gboolean pad_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active);

namespace {

/* How one batch ended. */
enum class Pushed
{
  more,                         /* go on */
  stop,                         /* pushing stops (flushing, an error) */
  finished,                     /* the session pad's EOS went out */
};

/* Pushes what @out took (OutputPad::taken), in order. */
Pushed
push_taken (OutputPad * out)
{
  std::deque<GstMiniObject *> & batch = out->taken;
  const gint64 start = g_get_monotonic_time ();
  size_t pushed = 0;
  while (!batch.empty ()) {
    if (GST_IS_BUFFER (batch.front ())) {
      if (push_audio (out, batch, pushed))
        continue;
      out->put_back (batch);
      return Pushed::stop;
    }
    GstEvent *event = GST_EVENT (batch.front ());
    batch.pop_front ();
    bool eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;
    gst_pad_push_event (out->pad, event);
    if (!eos || !out->is_session_pad)
      continue;
    /* The session is over: what follows EOS is let go with the pad. */
    out->put_back (batch);
    return Pushed::finished;
  }
  adapt_batch_limit (out, pushed, g_get_monotonic_time () - start);
  return Pushed::more;
}

}  // namespace

static void
pad_loop (gpointer data)
{
  auto *out = static_cast<OutputPad *> (data);
  if (!out->take (out->taken)) {
    gst_pad_pause_task (out->pad);
    return;
  }
  switch (push_taken (out)) {
    case Pushed::more:
      break;
    case Pushed::stop:
      gst_pad_pause_task (out->pad);
      break;
    case Pushed::finished:
      /* Stop this task; the owner removes the pad (from another thread: a
       * task cannot join itself). */
      gst_pad_pause_task (out->pad);
      out->owner->session_pad_finished (out);
      break;
  }
}

void
output_pad_run (OutputPad & out)
{
  /* Held while pushing, as a pad's task holds it: deactivating the pad
   * waits for the batch to end. */
  GST_PAD_STREAM_LOCK (out.pad);
  Pushed result = Pushed::more;
  if (out.take (out.taken, false))
    result = push_taken (&out);
  GST_PAD_STREAM_UNLOCK (out.pad);
  if (result != Pushed::more) {
    std::lock_guard < std::mutex > l (out.lock);
    out.stalled = true;
  }
  out.after_run ();
  if (result == Pushed::finished)
    out.owner->session_pad_finished (&out);
}

void
OutputPad::run_in_pool ()
{
  output_pad_run (*this);
}

static gboolean
pad_activate_mode (GstPad * pad, GstObject * parent, GstPadMode mode,
    gboolean active)
{
  auto *out = static_cast<OutputPad *> (gst_pad_get_element_private (pad));
  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    out->set_flushing (false);
    if (out->pool) {
      std::lock_guard < std::mutex > l (out->lock);
      out->schedule_locked ();
      return TRUE;
    }
    return gst_pad_start_task (pad, pad_loop, out, nullptr);
  }
  out->set_flushing (true);
  if (out->pool) {
    /* A batch being pushed ends first (GstPad takes the stream lock after
     * this too). */
    GST_PAD_STREAM_LOCK (pad);
    GST_PAD_STREAM_UNLOCK (pad);
    return TRUE;
  }
  return gst_pad_stop_task (pad);
}

OutputPad *
output_pad_of (GstPad * pad)
{
  if (!GST_IS_PAD (pad) || GST_PAD_ACTIVATEMODEFUNC (pad) != pad_activate_mode)
    return nullptr;
  auto *out = static_cast<OutputPad *> (gst_pad_get_element_private (pad));
  return out && out->is_session_pad ? out : nullptr;
}

static gboolean
pad_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  auto *out = static_cast<OutputPad *> (gst_pad_get_element_private (pad));
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
      /* Buffers are stamped with their arrival time: live, no added
       * latency. */
      gst_query_set_latency (query, TRUE, 0, GST_CLOCK_TIME_NONE);
      return TRUE;
    case GST_QUERY_CAPS:
      sessionctx::answer_caps_query (query, out->owner->output_caps
          (out->kind));
      return TRUE;
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

std::shared_ptr<OutputPad>
make_output_pad (GstElement * element, OutputPad::Owner * owner,
    GstStaticPadTemplate * templ, const gchar * name,
    sessionctx::MediaKind kind)
{
  auto out = std::make_shared<OutputPad> ();
  out->element = element;
  out->owner = owner;
  out->kind = kind;
  out->pad = GST_PAD (gst_object_ref_sink (gst_pad_new_from_static_template
          (templ, name)));
  gst_pad_set_element_private (out->pad, out.get ());
  gst_pad_set_activatemode_function (out->pad, pad_activate_mode);
  gst_pad_set_query_function (out->pad, pad_query);
  return out;
}

/* As gst_pad_create_stream_id () makes it: the element's base, then the
 * session's id for its audio (as before there were kinds), "video/" + id
 * beside it. The base is made once: in a sessionbin, making it took a
 * query through every session's sink, a third of a handler's setup at
 * 1000 sessions (docs/PERFORMANCE.md). */
std::string
SessionPads::stream_id (GstPad * pad, sessionctx::MediaKind kind,
    const std::string & id)
{
  std::string base;
  {
    std::lock_guard < std::mutex > l (lock);
    base = stream_id_base;
  }
  if (base.empty ()) {
    /* (Without a stream id of its own, GStreamer asks for one as soon as
     * the element has more than one source pad.) */
    gchar *made = gst_pad_create_stream_id (pad, element, "s");
    base = made ? made : "sessionctx/s";
    base.resize (base.size () - 2);
    g_free (made);
    std::lock_guard < std::mutex > l (lock);
    if (stream_id_base.empty ())
      stream_id_base = base;
    base = stream_id_base;
  }
  std::string made = base + "/";
  if (kind != sessionctx::MediaKind::audio)
    made += std::string (sessionctx::media_kind_name (kind)) + "/";
  return made + id;
}

std::shared_ptr<OutputPad>
SessionPads::add (sessionctx::MediaKind kind, guint number,
    const std::string & id, GstSessionContext * context, GstCaps * caps)
{
  GstStaticPadTemplate *templ = templates[(int) kind];
  g_return_val_if_fail (templ != nullptr, nullptr);
  std::shared_ptr<OutputPad> out;
  {
    std::lock_guard < std::mutex > l (lock);
    /* The template's name with the session's number (its %u). */
    std::string name = templ->name_template;
    name.replace (name.find ("%u"), 2, std::to_string (number));
    out = make_output_pad (element, owner, templ, name.c_str (), kind);
    out->is_session_pad = true;
    out->session_id = id;
    out->pool = pool_.get ();
    pads.push_back (out);
  }
  gst_pad_set_active (out->pad, TRUE);
  /* Stored, not pushed: they reach the peer with the first buffer, and
   * pad-added handlers already see the session's context. */
  std::vector<GstEvent *> events;
  events.push_back (gst_event_new_stream_start (stream_id (out->pad, kind,
              id).c_str ()));
  /* Fixed caps now (audio); video's come with its stream (its size). */
  if (gst_caps_is_fixed (caps))
    events.push_back (gst_event_new_caps (caps));
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  events.push_back (gst_event_new_segment (&segment));
  events.push_back (gst_event_new_session_context (context));
  for (GstEvent *e : events) {
    gst_pad_store_sticky_event (out->pad, e);
    gst_event_unref (e);
  }
  gst_element_add_pad (element, out->pad);
  return out;
}

namespace {

struct Removal
{
  SessionPads *pads;
  std::shared_ptr<OutputPad> out;
};

}  // namespace

void
SessionPads::remove_async (OutputPad * out)
{
  auto *removal = new Removal { this, nullptr };
  {
    std::lock_guard < std::mutex > l (lock);
    for (auto & p : pads)
      if (p.get () == out)
        removal->out = p;
  }
  if (!removal->out) {
    delete removal;
    return;
  }
  sessionctx::call_async (element,[](GstElement * element, gpointer data) {
        auto *self = static_cast<Removal *> (data)->pads;
        auto out = static_cast<Removal *> (data)->out;
        bool owned = false;
        {
          std::lock_guard < std::mutex > l (self->lock);
          auto & pads = self->pads;
          for (auto it = pads.begin (); it != pads.end (); ++it) {
            if (*it == out) {
              pads.erase (it);
              owned = true;
              break;
            }
          }
        }
        if (!owned)
          return;
        GST_DEBUG_OBJECT (element, "removing pad of session %s",
            sessionctx::log_safe (out->session_id).c_str ());
        gst_pad_set_active (out->pad, FALSE);
        gst_element_remove_pad (element, out->pad);
      }, removal, [](gpointer data) {
        delete static_cast<Removal *> (data);
      });
}

void
SessionPads::remove_all ()
{
  std::vector<std::shared_ptr<OutputPad>> old;
  {
    std::lock_guard < std::mutex > l (lock);
    old.swap (pads);
  }
  for (auto & out : old) {
    gst_pad_set_active (out->pad, FALSE);
    gst_element_remove_pad (element, out->pad);
  }
  /* No pad is active: the threads can go. */
  std::unique_ptr<PadPool> pool;
  {
    std::lock_guard < std::mutex > l (lock);
    pool.swap (pool_);
  }
}

void
SessionPads::set_streaming_threads (int threads)
{
  std::unique_ptr<PadPool> old;
  {
    std::lock_guard < std::mutex > l (lock);
    old.swap (pool_);
    if (threads >= 0)
      pool_ = std::make_unique<PadPool> (PadPool::threads_for (threads));
  }
}

std::vector<std::shared_ptr<OutputPad>>
SessionPads::list ()
{
  std::lock_guard < std::mutex > l (lock);
  return pads;
}
