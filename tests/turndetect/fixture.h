/* What the turndetect tests share: speech from espeak-ng (run here, nothing
 * downloaded), noise, buffers stamped by sample count with a session's
 * meta, and turndetect in a GstHarness whose output (buffers and events,
 * in order) and bus messages are logged.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/check/gstharness.h>
#include <gst/sessionctx/sessionctx.h>

#include <glib/gstdio.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace turntest {

/* espeak-ng's rate. */
constexpr int kSpeechRate = 22050;

/* @text spoken by espeak-ng (22050 Hz, S16 mono), trimmed to its true
 * bounds (the samples above 1 % of its peak), scaled to @peak. */
inline std::vector<int16_t>
speak (const char *text, double peak = 16000)
{
  gchar *path = nullptr;
  gint fd = g_file_open_tmp ("turndetect-XXXXXX.wav", &path, nullptr);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  const gchar *argv[] = { "espeak-ng", "-v", "en-us", "-w", path, text, NULL };
  gint status = 0;
  GError *err = nullptr;
  gboolean ok = g_spawn_sync (NULL, (gchar **) argv, NULL,
      (GSpawnFlags) (G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL), NULL, NULL, NULL, NULL, &status, &err);
  g_assert_no_error (err);
  g_assert_true (ok && status == 0);
  gchar *wav = nullptr;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &wav, &len, nullptr));
  g_unlink (path);
  g_free (path);
  /* The "data" chunk, after the RIFF chunks before it. */
  std::vector<int16_t> pcm;
  for (gsize at = 12; at + 8 <= len;) {
    guint32 size;
    memcpy (&size, wav + at + 4, 4);
    if (memcmp (wav + at, "data", 4) == 0) {
      size = (guint32) std::min<gsize> (size, len - at - 8);
      pcm.resize (size / 2);
      memcpy (pcm.data (), wav + at + 8, pcm.size () * 2);
      break;
    }
    at += 8 + size + (size & 1);
  }
  g_free (wav);
  g_assert_false (pcm.empty ());
  int top = 0;
  for (int16_t s : pcm)
    top = std::max (top, std::abs ((int) s));
  size_t first = pcm.size (), last = 0;
  for (size_t i = 0; i < pcm.size (); i++) {
    if (std::abs ((int) pcm[i]) * 100 > top) {
      first = std::min (first, i);
      last = i + 1;
    }
  }
  std::vector<int16_t> out;
  for (size_t i = first; i < last; i++)
    out.push_back ((int16_t) std::lround (pcm[i] * peak / top));
  return out;
}

/* @seconds of white noise at @level_db dBFS RMS (0: silence) at @rate. */
inline std::vector<int16_t>
noise (double seconds, int rate, double level_db, unsigned seed = 1)
{
  std::vector<int16_t> out ((size_t) (seconds * rate));
  if (level_db >= 0)
    return out;
  std::mt19937 gen (seed);
  std::normal_distribution<double> normal (0.0,
      32768.0 * std::pow (10.0, level_db / 20.0));
  for (int16_t & s : out)
    s = (int16_t) std::clamp (std::lround (normal (gen)), -32768L, 32767L);
  return out;
}

inline void
append (std::vector<int16_t> & to, const std::vector<int16_t> & what)
{
  to.insert (to.end (), what.begin (), what.end ());
}

/* What came out of the element, in order. */
struct Item
{
  GstBuffer *buffer = nullptr;  /* a buffer, or */
  GstEvent *event = nullptr;    /* an event */
};

/* turndetect (with @props, a launch line's "name=value ...") in a
 * harness at @rate, a session's context on its stream, a bus, and a log of
 * what it pushes. */
struct Harness
{
  GstHarness *h = nullptr;
  GstBus *bus = nullptr;
  GstSessionContext *context = nullptr;
  std::mutex lock;
  std::vector<Item> out;
  guint64 pushed = 0;           /* samples pushed in */
  int rate;

  Harness (int rate_, const char *props = "", bool with_context = true)
  :  rate (rate_)
  {
    GstElement *element = gst_element_factory_make ("turndetect", NULL);
    gchar **pairs = g_strsplit (props, " ", -1);
    for (gchar ** p = pairs; *p; p++) {
      gchar **kv = g_strsplit (*p, "=", 2);
      if (kv[0] && kv[1])
        gst_util_set_object_arg (G_OBJECT (element), kv[0], kv[1]);
      g_strfreev (kv);
    }
    g_strfreev (pairs);
    h = gst_harness_new_with_element (element, "sink", "src");
    gst_object_unref (element);
    bus = gst_bus_new ();
    gst_element_set_bus (h->element, bus);
    gst_pad_add_probe (h->sinkpad, (GstPadProbeType)
        (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
        [](GstPad *, GstPadProbeInfo * info, gpointer data) {
          auto *self = static_cast<Harness *> (data);
          std::lock_guard < std::mutex > l (self->lock);
          Item item;
          if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
            item.buffer = gst_buffer_ref (GST_PAD_PROBE_INFO_BUFFER (info));
          else
            item.event = gst_event_ref (GST_PAD_PROBE_INFO_EVENT (info));
          self->out.push_back (item);
          return GST_PAD_PROBE_OK;
        }, this, nullptr);
    gchar *caps = g_strdup_printf ("audio/x-raw,format=S16LE,channels=1,"
        "rate=%d,layout=interleaved", rate);
    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    if (with_context) {
      context = gst_session_context_new ("caller-1",
          GST_SESSION_TRANSPORT_WEBSOCKET, GST_SESSION_DIALECT_FASTRTC,
          "127.0.0.1:5000", nullptr);
      g_assert_true (gst_harness_push_event (h,
              gst_event_new_session_context (context)));
    }
  }

  ~Harness ()
  {
    gst_harness_teardown (h);
    clear_messages ();
    for (Item & i : out) {
      if (i.buffer)
        gst_buffer_unref (i.buffer);
      if (i.event)
        gst_event_unref (i.event);
    }
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
    if (context)
      g_object_unref (context);
  }

  /* @pcm in 20 ms buffers stamped by sample count, each with the meta. */
  GstFlowReturn push (const std::vector<int16_t> & pcm)
  {
    const size_t step = (size_t) rate / 50;
    for (size_t at = 0; at < pcm.size (); at += step) {
      size_t n = std::min (step, pcm.size () - at);
      GstBuffer *buf = gst_buffer_new_memdup (pcm.data () + at, n * 2);
      GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (pushed, GST_SECOND,
          rate);
      GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (pushed + n,
          GST_SECOND, rate) - GST_BUFFER_PTS (buf);
      if (context)
        gst_buffer_add_session_meta (buf, context);
      pushed += n;
      GstFlowReturn ret = gst_harness_push (h, buf);
      if (ret != GST_FLOW_OK)
        return ret;
    }
    return GST_FLOW_OK;
  }

  /* Waits (up to 10 s) until @pred holds on the log. */
  template < typename Pred > bool wait_for (Pred pred)
  {
    for (int i = 0; i < 1000; i++) {
      {
        std::lock_guard < std::mutex > l (lock);
        if (pred (out))
          return true;
      }
      g_usleep (10000);
    }
    std::lock_guard < std::mutex > l (lock);
    return pred (out);
  }

  size_t count (const char *event_name)
  {
    std::lock_guard < std::mutex > l (lock);
    size_t n = 0;
    for (Item & i : out)
      if (i.event && gst_event_has_name (i.event, event_name))
        n++;
    return n;
  }

  size_t buffers ()
  {
    std::lock_guard < std::mutex > l (lock);
    size_t n = 0;
    for (Item & i : out)
      n += i.buffer != nullptr;
    return n;
  }

  /* Every element message on the bus so far with that name. */
  std::vector<GstMessage *> messages (const char *name)
  {
    std::vector<GstMessage *> msgs;
    while (GstMessage * m = gst_bus_pop (bus)) {
      kept.push_back (m);
    }
    for (GstMessage *m : kept)
      if (gst_message_has_name (m, name))
        msgs.push_back (m);
    return msgs;
  }
  std::vector<GstMessage *> kept;

  void clear_messages ()
  {
    for (GstMessage *m : kept)
      gst_message_unref (m);
    kept.clear ();
  }
};

/* The S16 samples of @buf. */
inline std::vector<int16_t>
samples_of (GstBuffer * buf)
{
  std::vector<int16_t> s (gst_buffer_get_size (buf) / 2);
  gst_buffer_extract (buf, 0, s.data (), s.size () * 2);
  return s;
}

}  // namespace turntest
