/* What `turndetect` costs a session: CPU per 20 ms frame of a caller's
 * audio (espeak-ng utterances between pauses over −50 dBFS noise), pushed
 * through it in 20 ms buffers as fast as it goes (GstHarness), against the
 * same through `identity`: process CPU time (the element's source task
 * included), at 8, 16 and 48 kHz, hold and live mode. The difference is
 * turndetect's own cost; 20 ms over it, how many callers one core's worth
 * of turndetect keeps up with (the server's own per-frame cost not
 * counted: tests/bench/run_turndetect.sh measures the whole server).
 *   GST_PLUGIN_PATH=build/plugin taskset -c 1 build/tests/bench/bench-turndetect [--seconds 120]
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "turndetect/fixture.h"
#include "audio/exactresampler.h"
#include "bench_util.h"

#include <time.h>

#include <cstdio>

using namespace turntest;

namespace {

double
cpu_seconds ()
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* @seconds of a caller at @rate: utterances 1.5 s apart over noise. */
std::vector<int16_t>
caller (double seconds, int rate)
{
  const char *texts[] = { "Hello there, this is a test of turn detection.",
    "One two three four five.", "Yes.",
    "Could you tell me the weather in Paris tomorrow morning?"
  };
  std::vector<std::vector<int16_t>> utts;
  for (const char *t : texts) {
    auto u = speak (t, 8000);
    if (rate != kSpeechRate) {
      ExactResampler rs (kSpeechRate, rate);
      std::vector<int16_t> out (rs.out_frames (u.size ()));
      rs.resample (u.data (), u.size (), out.data ());
      rs.drain (out);
      u = out;
    }
    utts.push_back (u);
  }
  std::vector<int16_t> x = noise (seconds, rate, -50.0);
  size_t at = (size_t) (0.5 * rate);
  for (size_t k = 0; at < x.size (); k++) {
    const auto & u = utts[k % utts.size ()];
    for (size_t i = 0; i < u.size () && at + i < x.size (); i++)
      x[at + i] = (int16_t) std::clamp ((int) x[at + i] + u[i], -32768, 32767);
    at += u.size () + (size_t) (1.5 * rate);
  }
  return x;
}

/* CPU seconds to push @pcm through @description; its output taken as it
 * comes, to the EOS. */
double
run (const char *description, const std::vector<int16_t> & pcm, int rate,
    guint * turns)
{
  GstHarness *h = gst_harness_new_parse (description);
  gchar *caps = g_strdup_printf ("audio/x-raw,format=S16LE,channels=1,"
      "rate=%d,layout=interleaved", rate);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  const size_t step = rate / 50;
  const double t0 = cpu_seconds ();
  for (size_t at = 0; at + step <= pcm.size (); at += step) {
    GstBuffer *buf = gst_buffer_new_memdup (pcm.data () + at, step * 2);
    GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (at, GST_SECOND, rate);
    GST_BUFFER_DURATION (buf) = GST_SECOND / 50;
    gst_harness_push (h, buf);
    while (GstBuffer * out = gst_harness_try_pull (h))
      gst_buffer_unref (out);
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  bool eos = false;
  while (!eos) {
    while (GstBuffer * out = gst_harness_try_pull (h))
      gst_buffer_unref (out);
    while (GstEvent * ev = gst_harness_try_pull_event (h)) {
      eos = eos || GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
      gst_event_unref (ev);
    }
    if (!eos)
      g_usleep (1000);
  }
  const double cpu = cpu_seconds () - t0;
  *turns = 0;
  GstElement *td = gst_bin_get_by_name (GST_BIN (h->element), "td");
  if (td) {
    g_object_get (td, "turns", turns, NULL);
    gst_object_unref (td);
  }
  gst_harness_teardown (h);
  return cpu;
}

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  double seconds = 120;
  if (!bench::parse_options (argc, argv, { {"--seconds", &seconds}}))
    return 2;
  printf ("cores: %s; %.0f s of a caller per run (utterances 1.5 s apart, "
      "noise at -50 dBFS)\n", bench::cores_of (0).c_str (), seconds);
  printf ("rate   what                    turns  CPU s   us/frame  "
      "over identity  callers/core\n");
  for (int rate : {8000, 16000, 48000}) {
    auto pcm = caller (seconds, rate);
    const double frames = (double) (pcm.size () / (rate / 50));
    guint turns = 0;
    /* Warm up (the detector's tables, the allocator). */
    run ("identity", pcm, rate, &turns);
    const double base = run ("identity", pcm, rate, &turns);
    printf ("%5d  %-22s  %5s  %6.3f  %8.2f\n", rate, "identity", "-", base,
        base / frames * 1e6);
    const char *modes[][2] = { {"turndetect", "turndetect name=td"},
    {"turndetect mode=live", "turndetect name=td mode=live"}
    };
    for (auto & m : modes) {
      const double cpu = run (m[1], pcm, rate, &turns);
      const double own = (cpu - base) / frames * 1e6;
      printf ("%5d  %-22s  %5u  %6.3f  %8.2f  %13.2f  %12.0f\n", rate, m[0],
          turns, cpu, cpu / frames * 1e6, own, own > 0 ? 20000 / own : 0.0);
    }
  }
  return 0;
}
