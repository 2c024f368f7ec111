/* TurnSegmenter alone (no audio, no GStreamer): when turns start and end
 * from a decision per 10 ms frame.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "turndetect/turnsegmenter.h"

#include <glib.h>

#include <string>
#include <vector>

using namespace turndetect;

namespace {

/* A frame: 'S' clear speech, 's' speech the background masks (not clear),
 * 'L' loud audio the detector does not call speech, '.' none. */
struct Run
{
  TurnSegmenter seg;
  std::vector<TurnMark> marks;
  /* Frame number at which each mark was decided. */
  std::vector<int64_t> at;

  explicit Run (const SegmenterSettings & s = {}) : seg (s) {}

  void push (char c, int count)
  {
    for (int i = 0; i < count; i++) {
      size_t before = marks.size ();
      seg.push (c == 'S' ? kSpeech | kClear | kLoud : c == 's' ? kSpeech :
          c == 'L' ? kLoud : 0, marks);
      for (size_t k = before; k < marks.size (); k++)
        at.push_back (seg.frames () - 1);
    }
  }
};

}  // namespace

/* FastRTC's defaults, in frames. */
static void
test_defaults (void)
{
  SegmenterSettings s = SegmenterSettings::from_seconds (0.2, 0.1, 0.6,
      60.0, 0.1);
  g_assert_cmpint (s.started_talking, ==, 20);
  g_assert_cmpint (s.start_window, ==, 60);
  g_assert_cmpint (s.min_clear_run, ==, 3);
  g_assert_cmpint (s.speech_threshold, ==, 10);
  g_assert_cmpint (s.pause, ==, 60);
  g_assert_cmpint (s.max_turn, ==, 6000);
  g_assert_cmpint (s.pre_roll, ==, 10);
  g_assert_true (s == SegmenterSettings ());
  g_assert_cmpint (SegmenterSettings::from_seconds (0.2, 0.1, 0.6, 0, 0)
      .max_turn, ==, 0);
}

/* 0.2 s of speech starts a turn (at its first frame, less the pre-roll);
 * 0.6 s without speech ends it at its last speech frame. */
static void
test_start_and_pause (void)
{
  Run r;
  r.push ('.', 50);
  r.push ('S', 19);
  g_assert_true (r.marks.empty ());
  r.push ('S', 1);
  g_assert_cmpuint (r.marks.size (), ==, 1);
  g_assert_cmpint (r.marks[0].kind, ==, TurnMark::started);
  g_assert_cmpint (r.marks[0].start, ==, 40);
  g_assert_cmpint (r.at[0], ==, 69);
  r.push ('S', 80);              /* speech until frame 150 */
  r.push ('.', 59);
  g_assert_cmpuint (r.marks.size (), ==, 1);
  r.push ('.', 1);
  g_assert_cmpuint (r.marks.size (), ==, 2);
  g_assert_cmpint (r.marks[1].kind, ==, TurnMark::ended);
  g_assert_cmpint (r.marks[1].start, ==, 40);
  g_assert_cmpint (r.marks[1].end, ==, 150);
  g_assert_cmpint ((int) r.marks[1].reason, ==, (int) TurnEnd::pause);
  g_assert_cmpint (r.at[1], ==, 209);
  g_assert_cmpstr (turn_end_name (r.marks[1].reason), ==, "pause");
}

/* Short sounds start nothing: bursts under 0.2 s more than 0.6 s apart,
 * and clicks (one clear frame, then the detector's hangover over the
 * background), however many. Two such bursts within 0.6 s do. */
static void
test_short_sounds (void)
{
  Run r;
  for (int i = 0; i < 20; i++) {
    r.push ('S', 12);
    r.push ('.', 50);
  }
  for (int i = 0; i < 20; i++) {
    r.push ('S', 1);
    r.push ('s', 8);
    r.push ('S', 1);
    r.push ('s', 8);
    r.push ('.', 20);
  }
  g_assert_true (r.marks.empty ());
  g_assert_false (r.seg.in_turn ());
  r.push ('S', 12);
  r.push ('.', 30);
  r.push ('S', 8);
  g_assert_cmpuint (r.marks.size (), ==, 1);
}

/* Inside a turn: a short blip far into the pause does not hold it open; a
 * short run right after speech (a final consonant) and a long one do. */
static void
test_blips_in_the_pause (void)
{
  Run r;
  r.push ('S', 30);              /* turn from 0 (pre-roll cut at 0) */
  r.push ('.', 30);
  r.push ('s', 5);               /* a blip 0.3 s on: ignored */
  r.push ('.', 25);
  g_assert_cmpuint (r.marks.size (), ==, 2);
  g_assert_cmpint (r.marks[1].end, ==, 30);
  g_assert_cmpint (r.at[1], ==, 89);

  Run c;
  c.push ('S', 30);
  c.push ('.', 15);
  c.push ('S', 5);               /* 0.15 s after speech: the same turn */
  c.push ('.', 60);
  g_assert_cmpuint (c.marks.size (), ==, 2);
  g_assert_cmpint (c.marks[1].end, ==, 50);

  Run l;
  l.push ('S', 30);
  l.push ('.', 40);
  l.push ('s', 10);              /* 0.1 s of speech 0.4 s on: it goes on */
  l.push ('.', 60);
  g_assert_cmpuint (l.marks.size (), ==, 2);
  g_assert_cmpint (l.marks[1].end, ==, 80);

  /* A short word the detector missed, loud over the background: too. */
  Run w;
  w.push ('S', 30);
  w.push ('.', 40);
  w.push ('L', 5);
  w.push ('.', 60);
  g_assert_cmpuint (w.marks.size (), ==, 2);
  g_assert_cmpint (w.marks[1].end, ==, 75);
  g_assert_cmpint (w.at[1], ==, 134);
  /* Loud audio alone starts nothing. */
  w.push ('L', 100);
  g_assert_cmpuint (w.marks.size (), ==, 2);
}

/* A turn's start reaches back over soft speech before the clear speech
 * that started it (gaps up to 0.2 s), never into the previous turn. */
static void
test_onset_reaches_back (void)
{
  Run r;
  r.push ('.', 100);
  r.push ('s', 10);              /* 100-110: soft, not clear */
  r.push ('.', 15);
  r.push ('s', 10);              /* 125-135 */
  r.push ('S', 30);              /* 135-165: clear */
  g_assert_cmpuint (r.marks.size (), ==, 1);
  g_assert_cmpint (r.marks[0].start, ==, 90);

  /* Half the speech of the window must be clear, in runs of 3 frames or
   * more. */
  Run m;
  m.push ('s', 25);
  m.push ('S', 5);
  g_assert_true (m.marks.empty ());
  m.push ('S', 5);
  g_assert_cmpuint (m.marks.size (), ==, 1);
  Run c;
  for (int i = 0; i < 30; i++) {
    c.push ('S', 2);
    c.push ('s', 2);
  }
  g_assert_true (c.marks.empty ());
}

/* max-continuous-speech cuts a turn; speech going on starts the next one
 * right where the cut was, after 0.2 s more. */
static void
test_max_turn (void)
{
  SegmenterSettings s;
  s.max_turn = 300;
  Run r (s);
  r.push ('.', 20);
  r.push ('S', 700);
  g_assert_cmpuint (r.marks.size (), >=, 4);
  g_assert_cmpint (r.marks[0].start, ==, 10);
  g_assert_cmpint (r.marks[1].kind, ==, TurnMark::ended);
  g_assert_cmpint ((int) r.marks[1].reason, ==, (int) TurnEnd::max_length);
  g_assert_cmpint (r.marks[1].end, ==, 310);
  g_assert_cmpint (r.marks[2].kind, ==, TurnMark::started);
  g_assert_cmpint (r.marks[2].start, ==, 310);
  g_assert_cmpint (r.at[2], ==, 329);
  g_assert_cmpint (r.marks[3].end, ==, 610);
}

/* The end of the stream ends the turn at its last speech; keep_from ()
 * tells what held audio a turn may still need. */
static void
test_finish_and_keep (void)
{
  Run r;
  r.push ('.', 500);
  g_assert_cmpint (r.seg.keep_from (), ==, 500 - 60 - 100 - 10);
  r.push ('S', 40);
  g_assert_cmpint (r.seg.keep_from (), ==, 490);
  r.push ('.', 20);
  r.seg.finish (TurnEnd::eos, r.marks);
  g_assert_cmpuint (r.marks.size (), ==, 2);
  g_assert_cmpint (r.marks[1].end, ==, 540);
  g_assert_cmpint ((int) r.marks[1].reason, ==, (int) TurnEnd::eos);
  g_assert_cmpint (r.seg.keep_from (), ==, 540);
  r.seg.finish (TurnEnd::eos, r.marks);
  g_assert_cmpuint (r.marks.size (), ==, 2);
  r.seg.reset ();
  g_assert_cmpint (r.seg.frames (), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/segmenter/defaults", test_defaults);
  g_test_add_func ("/segmenter/start-and-pause", test_start_and_pause);
  g_test_add_func ("/segmenter/short-sounds", test_short_sounds);
  g_test_add_func ("/segmenter/blips-in-the-pause", test_blips_in_the_pause);
  g_test_add_func ("/segmenter/onset-reaches-back", test_onset_reaches_back);
  g_test_add_func ("/segmenter/max-turn", test_max_turn);
  g_test_add_func ("/segmenter/finish-and-keep", test_finish_and_keep);
  return g_test_run ();
}
