/* gst-sessionctx-serve: runs a pipeline described as for gst-launch-1.0,
 * the way a service manager (systemd, Kubernetes) stops it:
 *
 *   SIGTERM  drain: the `drain` action signal on every element that has
 *            one (sessionsrc, sessionbin): no new session, the live ones
 *            finish (or are closed at their drain-timeout), then the
 *            pipeline's EOS; exit 0. Without such an element: as SIGINT.
 *   SIGINT   end now, cleanly: EOS into the pipeline (as gst-launch-1.0
 *            -e): sessions closed with 1001 once it is through, per
 *            session recordings complete; exit 0.
 *   a second signal   stop at once (the pipeline goes to NULL; the
 *            server still closes its connections with 1001); exit 2.
 *
 * Exit status: 0 after the pipeline's EOS, 1 when the description does
 * not parse, the pipeline does not start or posts an error, 2 when a
 * second signal stopped it before its EOS.
 *
 * It links only GStreamer: the elements come from the plugin, found as
 * gst-launch-1.0 finds them (GST_PLUGIN_PATH, the plugin directory).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <glib-unix.h>

#include <signal.h>

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline;
  int exit_status;
  int signals_seen;
  gboolean quiet;
} Serve;

static void
say (Serve * serve, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
say (Serve * serve, const char *format, ...)
{
  if (serve->quiet)
    return;
  va_list args;
  va_start (args, format);
  gchar *text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("gst-sessionctx-serve: %s\n", text);
  g_free (text);
}

/* Emits drain on every element under @bin that has the signal (not on
 * what is inside one: sessionbin's own sessionsrc is its business).
 * Returns how many. */
static guint
emit_drain (GstBin * bin)
{
  guint n = 0;
  GstIterator *it = gst_bin_iterate_elements (bin);
  GValue item = G_VALUE_INIT;
  gboolean done = FALSE;
  while (!done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:{
        GstElement *e = GST_ELEMENT (g_value_get_object (&item));
        if (g_signal_lookup ("drain", G_OBJECT_TYPE (e))) {
          g_signal_emit_by_name (e, "drain");
          n++;
        } else if (GST_IS_BIN (e)) {
          n += emit_drain (GST_BIN (e));
        }
        g_value_reset (&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return n;
}

static gboolean
on_signal (gpointer data, int signum)
{
  Serve *serve = data;
  const char *name = signum == SIGTERM ? "SIGTERM" : "SIGINT";
  if (serve->signals_seen++ > 0) {
    say (serve, "%s again: stopping now", name);
    serve->exit_status = 2;
    g_main_loop_quit (serve->loop);
    return G_SOURCE_CONTINUE;
  }
  if (signum == SIGTERM) {
    guint n = emit_drain (GST_BIN (serve->pipeline));
    if (n) {
      say (serve, "SIGTERM: draining (%u element%s): no new session; exits "
          "once the live ones have ended or their drain-timeout passed",
          n, n == 1 ? "" : "s");
      return G_SOURCE_CONTINUE;
    }
    say (serve, "SIGTERM: no element drains; ending now (EOS)");
  } else {
    say (serve, "SIGINT: ending now (EOS): sessions close with 1001");
  }
  gst_element_send_event (serve->pipeline, gst_event_new_eos ());
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm (gpointer data)
{
  return on_signal (data, SIGTERM);
}

static gboolean
on_sigint (gpointer data)
{
  return on_signal (data, SIGINT);
}

static void
print_error (GstMessage * msg)
{
  GError *err = NULL;
  gchar *debug = NULL;
  gst_message_parse_error (msg, &err, &debug);
  g_printerr ("gst-sessionctx-serve: ERROR from %s: %s\n",
      GST_MESSAGE_SRC (msg) ? GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)) : "?",
      err->message);
  if (debug)
    g_printerr ("  %s\n", debug);
  g_clear_error (&err);
  g_free (debug);
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer data)
{
  Serve *serve = data;
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_EOS:
      say (serve, "EOS: the pipeline has ended");
      serve->exit_status = 0;
      g_main_loop_quit (serve->loop);
      break;
    case GST_MESSAGE_ERROR:
      print_error (msg);
      serve->exit_status = 1;
      g_main_loop_quit (serve->loop);
      break;
    case GST_MESSAGE_WARNING:{
      GError *err = NULL;
      gst_message_parse_warning (msg, &err, NULL);
      g_printerr ("gst-sessionctx-serve: WARNING from %s: %s\n",
          GST_MESSAGE_SRC (msg) ? GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)) :
          "?", err->message);
      g_clear_error (&err);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  Serve serve = { 0 };
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &serve.quiet,
        "Print only errors and warnings", NULL},
    {"version", 0, 0, G_OPTION_ARG_NONE, &version,
        "Print the GStreamer version and exit", NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("PIPELINE-DESCRIPTION");
  g_option_context_set_summary (ctx, "Runs a pipeline as gst-launch-1.0 "
      "does, for a service: SIGTERM drains (the drain signal of sessionsrc "
      "and sessionbin; exit after the live sessions), SIGINT ends now with "
      "EOS, a second signal stops at once.\n\nExample:\n  "
      "gst-sessionctx-serve sessionbin port=8080 "
      "handler=\"wavenc ! filesink location=rec-{session_id}.wav\"");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  GError *err = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("gst-sessionctx-serve: %s\n", err->message);
    g_clear_error (&err);
    g_option_context_free (ctx);
    return 1;
  }
  g_option_context_free (ctx);
  if (version) {
    gchar *v = gst_version_string ();
    g_print ("gst-sessionctx-serve (%s)\n", v);
    g_free (v);
    return 0;
  }
  if (argc < 2) {
    g_printerr ("gst-sessionctx-serve: no pipeline description (try "
        "--help)\n");
    return 1;
  }

  GstElement *element = gst_parse_launchv_full ((const gchar **) argv + 1,
      NULL, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (!element) {
    g_printerr ("gst-sessionctx-serve: the description does not parse: %s\n",
        err ? err->message : "unknown error");
    g_clear_error (&err);
    return 1;
  }
  if (!GST_IS_PIPELINE (element)) {
    /* One element: in a pipeline of its own, as gst-launch-1.0 does. */
    GstElement *pipeline = gst_pipeline_new (NULL);
    gst_bin_add (GST_BIN (pipeline), element);
    element = pipeline;
  }
  serve.pipeline = element;
  serve.loop = g_main_loop_new (NULL, FALSE);

  GstBus *bus = gst_element_get_bus (serve.pipeline);
  guint watch = gst_bus_add_watch (bus, on_bus, &serve);
  guint term = g_unix_signal_add (SIGTERM, on_sigterm, &serve);
  guint intr = g_unix_signal_add (SIGINT, on_sigint, &serve);

  if (gst_element_set_state (serve.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 0, GST_MESSAGE_ERROR);
    if (msg) {
      print_error (msg);
      gst_message_unref (msg);
    } else {
      g_printerr ("gst-sessionctx-serve: the pipeline does not start\n");
    }
    serve.exit_status = 1;
  } else {
    say (&serve, "running; SIGTERM drains, SIGINT ends now");
    g_main_loop_run (serve.loop);
  }

  gst_element_set_state (serve.pipeline, GST_STATE_NULL);
  g_source_remove (term);
  g_source_remove (intr);
  g_source_remove (watch);
  gst_object_unref (bus);
  gst_object_unref (serve.pipeline);
  g_main_loop_unref (serve.loop);
  return serve.exit_status;
}
