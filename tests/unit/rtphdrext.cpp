/* Unit tests: context over an RTP hop. The session id's wire rules, the
 * receiving side's contexts, and rtphdrextsessionctx between a payloader
 * and a depayloader in GstHarness: the packets' bytes copied into new
 * buffers between them, as a network would (in one process the payloaded
 * buffers would still carry their metas).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "rtp/contextcache.h"
#include "rtp/sessionidwire.h"

#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/rtp.h>
#include <gst/sessionctx/sessionctx.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace sessionctx::rtp;

#define URI SESSIONCTX_RTP_SESSION_ID_URI
#define RAW_CAPS "audio/x-raw,format=S16BE,rate=16000,channels=1," \
    "layout=interleaved"
#define RTP_CAPS "application/x-rtp,media=audio,clock-rate=16000," \
    "encoding-name=L16,channels=1,payload=96"
#define PAYLOAD_BYTES 640       /* 20 ms of 16 kHz mono S16 */
#define SSRC 0x5e55c7c0u

static GstSessionContext *
context (const std::string & id)
{
  return gst_session_context_new (id.c_str (), GST_SESSION_TRANSPORT_WEBRTC,
      GST_SESSION_DIALECT_TWILIO, "192.0.2.1:4000", NULL);
}

/* The session id of @buf's meta, "" without one. */
static std::string
id_of (GstBuffer * buf)
{
  return gst::session::current (nullptr, buf).id ();
}

/* ------------------------------------------------------------ wire rules */

static void
test_wire_rules ()
{
  auto ok = [](const std::string & s) {
    return is_wire_session_id ((const uint8_t *) s.data (), s.size ());
  };
  g_assert_true (ok ("alice"));
  g_assert_true (ok ("naïve-日本"));
  g_assert_true (ok (std::string (255, 'x')));
  g_assert_false (ok (std::string (256, 'x')));
  g_assert_false (ok (""));
  g_assert_false (ok (std::string ("a\0b", 3)));
  g_assert_false (ok ("line\nbreak"));
  g_assert_false (ok ("del\x7f"));
  g_assert_false (ok ("\xc3"));         /* a UTF-8 sequence cut short */
  g_assert_false (ok ("\xff\xfe"));
  g_assert_false (is_wire_session_id ((const uint8_t *) nullptr, 3));

  size_t len = 0;
  g_assert_true (is_wire_session_id ("alice", &len));
  g_assert_cmpuint (len, ==, 5);
  std::string long_id (300, 'y');
  g_assert_false (is_wire_session_id (long_id.c_str (), &len));
  g_assert_cmpuint (len, ==, 256);      /* measured to 256 bytes, no further */
  g_assert_false (is_wire_session_id ((const char *) nullptr, &len));

  /* 4-byte extension header, 1- or 2-byte element header, id, padding. */
  g_assert_cmpuint (packet_overhead (5), ==, 12);
  g_assert_cmpuint (packet_overhead (10), ==, 16);
  g_assert_cmpuint (packet_overhead (16), ==, 24);
  g_assert_cmpuint (packet_overhead (17), ==, 24);
  g_assert_cmpuint (packet_overhead (34), ==, 40);
  g_assert_cmpuint (packet_overhead (128), ==, 136);
  g_assert_cmpuint (packet_overhead (255), ==, 264);
}

static void
test_cache ()
{
  ContextCache cache;
  g_assert_false (cache.find ("a"));
  for (int i = 0; i < (int) ContextCache::kCapacity; i++) {
    std::string id = "s" + std::to_string (i);
    cache.insert (id, gst::session::Context::adopt (context (id)));
  }
  g_assert_cmpuint (cache.size (), ==, ContextCache::kCapacity);
  /* s0 is the least recently met: finding it makes it the most recent. */
  {
    const std::string got = cache.find ("s0").id ();
    g_assert_cmpstr (got.c_str (), ==, "s0");
  }
  cache.insert ("new", gst::session::Context::adopt (context ("new")));
  g_assert_cmpuint (cache.size (), ==, ContextCache::kCapacity);
  g_assert_true (cache.find ("s0"));
  g_assert_false (cache.find ("s1"));   /* dropped for "new" */
  g_assert_true (cache.find ("new"));
  /* Inserting an id again replaces its context, no duplicate. */
  cache.insert ("new", gst::session::Context::adopt (context ("new")));
  g_assert_cmpuint (cache.size (), ==, ContextCache::kCapacity);
  cache.clear ();
  g_assert_false (cache.find ("s0"));
}

/* ------------------------------------------- payloader and depayloader */

/* A payloader taking the extension from the caps downstream (extmap-1)
 * when @ext is NULL, else given @ext (add-extension). */
static GstHarness *
payloader (GstElement * ext = nullptr)
{
  GstHarness *h = ext ? gst_harness_new ("rtpL16pay") :
      gst_harness_new_parse ("rtpL16pay ! capsfilter caps="
      "application/x-rtp,extmap-1=(string)" URI);
  if (ext)
    g_signal_emit_by_name (h->element, "add-extension", ext);
  gst_harness_set_src_caps_str (h, RAW_CAPS);
  return h;
}

/* A depayloader taking the extension from its caps (extmap-1) when
 * @ext is NULL, else given @ext (add-extension). */
static GstHarness *
depayloader (GstElement * ext = nullptr)
{
  GstHarness *h = gst_harness_new ("rtpL16depay");
  if (ext)
    g_signal_emit_by_name (h->element, "add-extension", ext);
  gst_harness_set_src_caps_str (h, ext ? RTP_CAPS :
      RTP_CAPS ",extmap-1=(string)" URI);
  return h;
}

static GstElement *
extension (guint id = 1)
{
  GstElement *ext = gst_element_factory_make ("rtphdrextsessionctx", NULL);
  g_assert_nonnull (ext);
  gst_rtp_header_extension_set_id (GST_RTP_HEADER_EXTENSION (ext), id);
  return ext;
}

static guint64
counter (GstElement * ext, const char *name)
{
  guint64 v = 0;
  g_object_get (ext, name, &v, NULL);
  return v;
}

/* What a network delivers: the packet's bytes, no metas. */
static GstBuffer *
over_the_wire (GstBuffer * packet)
{
  GstMapInfo map;
  g_assert_true (gst_buffer_map (packet, &map, GST_MAP_READ));
  GstBuffer *copy = gst_buffer_new_memdup (map.data, map.size);
  gst_buffer_unmap (packet, &map);
  gst_buffer_unref (packet);
  return copy;
}

/* The extension element with id 1 of @packet: its form (1 or 2 header
 * bytes, 0 when the packet has none) and bytes. */
static int
extension_of (GstBuffer * packet, std::string * bytes)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  g_assert_true (gst_rtp_buffer_map (packet, GST_MAP_READ, &rtp));
  gpointer data = nullptr;
  guint size = 0;
  int form = 0;
  if (gst_rtp_buffer_get_extension_onebyte_header (&rtp, 1, 0, &data, &size))
    form = 1;
  else if (gst_rtp_buffer_get_extension_twobytes_header (&rtp, NULL, 1, 0,
          &data, &size))
    form = 2;
  if (form)
    bytes->assign ((const char *) data, size);
  gst_rtp_buffer_unmap (&rtp);
  return form;
}

static GstBuffer *
audio_of (GstSessionContext * ctx)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, PAYLOAD_BYTES, NULL);
  gst_buffer_memset (buf, 0, 0, PAYLOAD_BYTES);
  if (ctx)
    gst_buffer_add_session_meta (buf, ctx);
  return buf;
}

static void
test_round_trip ()
{
  const std::vector<std::string> ids = {
    "alice", std::string (16, 'o'), std::string (17, 't'),
    "MZ" + std::string (32, 'f'), std::string (128, 'x'),
    std::string (255, 'z'), "naïve-日本",
  };
  GstHarness *pay = payloader ();
  GstHarness *depay = depayloader ();
  /* Every id twice, alternating with the next: each packet is labelled on
   * its own. */
  for (int round = 0; round < 2; round++) {
    for (const auto & id : ids) {
      GstSessionContext *ctx = context (id);
      g_assert_cmpint (gst_harness_push (pay, audio_of (ctx)), ==,
          GST_FLOW_OK);
      g_object_unref (ctx);
      GstBuffer *packet = gst_harness_pull (pay);
      std::string bytes;
      int form = extension_of (packet, &bytes);
      g_assert_cmpint (form, ==, id.size () <= kOneByteMax ? 1 : 2);
      g_assert_true (bytes == id);
      g_assert_cmpuint (gst_buffer_get_size (packet), ==,
          12 + PAYLOAD_BYTES + packet_overhead (id.size ()));

      g_assert_cmpint (gst_harness_push (depay, over_the_wire (packet)), ==,
          GST_FLOW_OK);
      GstBuffer *out = gst_harness_pull (depay);
      g_assert_cmpuint (gst_buffer_get_size (out), ==, PAYLOAD_BYTES);
      g_assert_true (id_of (out) == id);
      /* A context from the wire knows its id only. */
      GstSessionMeta *meta = gst_buffer_get_session_meta (out);
      g_assert_null (gst_session_context_get_remote_address (meta->context));
      g_assert_cmpstr (gst_structure_get_string
          (gst_session_context_get_metadata (meta->context), "via"), ==,
          "rtp");
      gst_buffer_unref (out);
    }
  }
  gst_harness_teardown (pay);
  gst_harness_teardown (depay);
}

/* Ids that cannot go on the wire: the packets go without the extension
 * (counted), and their buffers come out without a session. */
static void
test_unsendable_ids ()
{
  GstElement *sender = extension ();
  GstHarness *pay = payloader (sender);
  GstHarness *depay = depayloader ();

  const std::vector<std::string> ids = { std::string (256, 'l'),
    "tab\there", "ok", std::string (1000, 'm')
  };
  for (const auto & id : ids) {
    GstSessionContext *ctx = context (id);
    gst_harness_push (pay, audio_of (ctx));
    gst_harness_push (pay, audio_of (ctx));
    g_object_unref (ctx);
    for (int i = 0; i < 2; i++) {
      GstBuffer *packet = gst_harness_pull (pay);
      std::string bytes;
      g_assert_cmpint (extension_of (packet, &bytes), ==,
          id == "ok" ? 1 : 0);
      gst_harness_push (depay, over_the_wire (packet));
      GstBuffer *out = gst_harness_pull (depay);
      g_assert_true (id_of (out) == (id == "ok" ? id : ""));
      gst_buffer_unref (out);
    }
  }
  /* And a buffer with no session at all: no extension, not counted. */
  gst_harness_push (pay, audio_of (nullptr));
  std::string bytes;
  GstBuffer *packet = gst_harness_pull (pay);
  g_assert_cmpint (extension_of (packet, &bytes), ==, 0);
  gst_buffer_unref (packet);

  g_assert_cmpuint (counter (sender, "packets-written"), ==, 2);
  g_assert_cmpuint (counter (sender, "packets-unlabelled"), ==, 6);
  gst_object_unref (sender);
  gst_harness_teardown (pay);
  gst_harness_teardown (depay);
}

/* An RTP packet as a sender would make it, @seq its number, with the
 * extension block @ext (bits, then the block's bytes, a multiple of 4)
 * when @bits is not 0. */
static GstBuffer *
packet (guint16 seq, guint16 bits = 0, const std::string & block = "")
{
  GstBuffer *buf = gst_rtp_buffer_new_allocate (PAYLOAD_BYTES, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_READWRITE, &rtp));
  gst_rtp_buffer_set_payload_type (&rtp, 96);
  gst_rtp_buffer_set_ssrc (&rtp, SSRC);
  gst_rtp_buffer_set_seq (&rtp, seq);
  gst_rtp_buffer_set_timestamp (&rtp, seq * 320u);
  memset (gst_rtp_buffer_get_payload (&rtp), 0, PAYLOAD_BYTES);
  if (bits) {
    g_assert_cmpuint (block.size () % 4, ==, 0);
    g_assert_true (gst_rtp_buffer_set_extension_data (&rtp, bits,
            block.size () / 4));
    gpointer data = nullptr;
    guint16 got_bits;
    guint words;
    gst_rtp_buffer_get_extension_data (&rtp, &got_bits, &data, &words);
    memcpy (data, block.data (), block.size ());
  }
  gst_rtp_buffer_unmap (&rtp);
  return buf;
}

/* A one-byte-form block holding @id as element 1. */
static std::string
one_byte_block (const std::string & id)
{
  std::string b (1, (char) (0x10 | (id.size () - 1)));
  b += id;
  b.resize ((b.size () + 3) / 4 * 4, '\0');
  return b;
}

/* What an audio payloader still holds at EOS it sends from its event
 * handler, outside any input buffer: without metas, so without the id
 * (1.22's rtpbaseaudiopayload). The packets before it have it. */
static void
test_eos_flush_unlabelled ()
{
  GstHarness *pay = gst_harness_new_parse ("rtpL16pay min-ptime=20000000 "
      "max-ptime=20000000 ! capsfilter caps=application/x-rtp,"
      "extmap-1=(string)" URI);
  gst_harness_set_src_caps_str (pay, RAW_CAPS);
  GstSessionContext *ctx = context ("ending");
  GstBuffer *buf = gst_buffer_new_allocate (NULL, PAYLOAD_BYTES * 3 / 2, NULL);
  gst_buffer_memset (buf, 0, 0, PAYLOAD_BYTES * 3 / 2);
  gst_buffer_add_session_meta (buf, ctx);
  g_object_unref (ctx);
  gst_harness_push (pay, buf);
  std::string bytes;
  GstBuffer *packet = gst_harness_pull (pay);
  g_assert_cmpint (extension_of (packet, &bytes), ==, 1);
  g_assert_cmpstr (bytes.c_str (), ==, "ending");
  gst_buffer_unref (packet);
  gst_harness_push_event (pay, gst_event_new_eos ());
  packet = gst_harness_pull (pay);
  g_assert_cmpint (extension_of (packet, &bytes), ==, 0);
  /* The half packet left: header and payload, nothing else. */
  g_assert_cmpuint (gst_buffer_get_size (packet), ==, 12 + PAYLOAD_BYTES / 2);
  gst_buffer_unref (packet);
  gst_harness_teardown (pay);
}

/* Packets without the extension between labelled ones: no session, not
 * the previous packet's. */
static void
test_no_extension_no_meta ()
{
  GstHarness *depay = depayloader ();
  const char *expected[] = { "", "alice", "", "", "bob", "", "alice", "" };
  guint16 seq = 100;
  for (const char *id : expected) {
    GstBuffer *in = *id ? packet (seq, 0xBEDE, one_byte_block (id)) :
        packet (seq);
    seq++;
    g_assert_cmpint (gst_harness_push (depay, in), ==, GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (depay);
    {
      const std::string got = id_of (out);
      g_assert_cmpstr (got.c_str (), ==, id);
    }
    gst_buffer_unref (out);
  }
  gst_harness_teardown (depay);
}

/* Extension elements whose bytes are no id, blocks that lie about their
 * lengths: ignored, never a crash, never a session on the buffer. */
static void
test_corrupt_ignored ()
{
  GstElement *ext = extension ();
  GstHarness *depay = depayloader (ext);
  const std::vector<std::pair<guint16, std::string>> bad = {
    {0xBEDE, one_byte_block ("a\nb")},
    {0xBEDE, one_byte_block (std::string (1, '\0'))},
    {0xBEDE, one_byte_block ("\xff\xfe\xfd")},
    {0xBEDE, one_byte_block ("caf\xc3")},
    /* two-byte form: a zero-length element, then one past the block */
    {0x1000, std::string ("\x01\x00\x00\x00", 4)},
    {0x1000, std::string ("\x01\xff" "abcdef", 8)},
    /* one-byte form: an element running past the block */
    {0xBEDE, std::string ("\x1f" "abc", 4)},
    /* not RFC 8285 at all */
    {0x1234, std::string ("\x10" "abc", 4)},
  };
  guint16 seq = 7;
  for (const auto &[bits, block] : bad) {
    g_assert_cmpint (gst_harness_push (depay, packet (seq++, bits, block)),
        ==, GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (depay);
    {
      const std::string got = id_of (out);
      g_assert_cmpstr (got.c_str (), ==, "");
    }
    gst_buffer_unref (out);
  }
  /* Read by the extension and refused: the five whose element fits. */
  g_assert_cmpuint (counter (ext, "packets-malformed"), ==, 5);
  g_assert_cmpuint (counter (ext, "packets-read"), ==, 0);

  /* Then random blocks: the depayloader goes on (its lock was never left
   * taken), a session only where the bytes hold one. */
  GRand *rand = g_rand_new_with_seed (20261203);
  int labelled = 0;
  for (int i = 0; i < 3000; i++) {
    guint16 bits = g_rand_boolean (rand) ? 0xBEDE : 0x1000;
    std::string block (4 * g_rand_int_range (rand, 1, 20), '\0');
    for (auto & c : block)
      c = (char) g_rand_int_range (rand, 0, 256);
    /* Often a plausible start: element 1 with a random length. */
    if (g_rand_int_range (rand, 0, 3) == 0) {
      if (bits == 0xBEDE) {
        block[0] = (char) (0x10 | g_rand_int_range (rand, 0, 16));
      } else {
        block[0] = 1;
        block[1] = (char) g_rand_int_range (rand, 0, 256);
      }
      for (size_t j = 2; j < block.size (); j++)
        block[j] = (char) g_rand_int_range (rand, 0x20, 0x7f);
    }
    g_assert_cmpint (gst_harness_push (depay, packet (seq++, bits, block)),
        ==, GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (depay);
    std::string id = id_of (out);
    if (!id.empty ()) {
      labelled++;
      g_assert_true (is_wire_session_id ((const uint8_t *) id.data (),
              id.size ()));
      g_assert_true (block.find (id) != std::string::npos);
    }
    gst_buffer_unref (out);
  }
  g_rand_free (rand);
  g_assert_cmpint (labelled, >, 0);
  /* A block may hold element 1 twice: the last valid one labels. */
  g_assert_cmpuint (counter (ext, "packets-read"), >=, (guint64) labelled);
  /* And a good packet still reads. */
  gst_harness_push (depay, packet (seq++, 0xBEDE, one_byte_block ("fine")));
  GstBuffer *out = gst_harness_pull (depay);
  {
    const std::string got = id_of (out);
    g_assert_cmpstr (got.c_str (), ==, "fine");
  }
  gst_buffer_unref (out);
  gst_harness_teardown (depay);
  gst_object_unref (ext);
}

/* The seam for a directory: asked once per session id, never per packet;
 * an answer naming another session is not used. */
static int lookups = 0;

static GstSessionContext *
on_lookup (GstElement * ext, const gchar * id, gpointer user_data)
{
  lookups++;
  if (strcmp (id, "alice") == 0)
    return gst_session_context_new ("alice", GST_SESSION_TRANSPORT_WEBRTC,
        GST_SESSION_DIALECT_FASTRTC, "198.51.100.7:5000",
        gst_structure_new ("metadata", "from", G_TYPE_STRING, "directory",
            NULL));
  if (strcmp (id, "bob") == 0)
    return context ("mallory");
  return NULL;
}

static void
test_lookup_once_per_session ()
{
  GstElement *ext = extension ();
  lookups = 0;
  g_signal_connect (ext, "lookup-context", G_CALLBACK (on_lookup), NULL);
  GstHarness *depay = depayloader (ext);
  guint16 seq = 1;
  for (int i = 0; i < 50; i++) {
    const char *id = i % 5 == 4 ? "bob" : "alice";
    gst_harness_push (depay, packet (seq++, 0xBEDE, one_byte_block (id)));
    GstBuffer *out = gst_harness_pull (depay);
    GstSessionMeta *meta = gst_buffer_get_session_meta (out);
    g_assert_nonnull (meta);
    g_assert_cmpstr (gst_session_context_get_id (meta->context), ==, id);
    const GstStructure *md = gst_session_context_get_metadata (meta->context);
    if (strcmp (id, "alice") == 0) {
      g_assert_cmpstr (gst_session_context_get_remote_address
          (meta->context), ==, "198.51.100.7:5000");
      g_assert_cmpint (gst_session_context_get_transport (meta->context), ==,
          GST_SESSION_TRANSPORT_WEBRTC);
      g_assert_cmpstr (gst_structure_get_string (md, "from"), ==,
          "directory");
    } else {
      g_assert_cmpstr (gst_structure_get_string (md, "via"), ==, "rtp");
    }
    gst_buffer_unref (out);
  }
  g_assert_cmpint (lookups, ==, 2);
  g_assert_cmpuint (counter (ext, "packets-read"), ==, 50);
  gst_harness_teardown (depay);
  gst_object_unref (ext);
}

/* Payloaders and depayloaders find the extension by its URI. */
static void
test_found_by_uri ()
{
  GstRTPHeaderExtension *ext = gst_rtp_header_extension_create_from_uri (URI);
  g_assert_nonnull (ext);
  GstElementFactory *f = gst_element_get_factory (GST_ELEMENT (ext));
  g_assert_cmpstr (GST_OBJECT_NAME (f), ==, "rtphdrextsessionctx");
  g_assert_cmpstr (gst_rtp_header_extension_get_uri (ext), ==, URI);
  gst_object_unref (ext);
}

/* ------------------------------------------------------------ sessionsticky */

static void
test_sticky_follows_meta ()
{
  GstHarness *h = gst_harness_new ("sessionsticky");
  gst_harness_set_src_caps_str (h, RAW_CAPS);
  GstSessionContext *a = context ("a"), *b = context ("b");
  GstSessionContext *order[] = { a, a, b, nullptr, b, a, nullptr };
  for (GstSessionContext *ctx : order)
    g_assert_cmpint (gst_harness_push (h, audio_of (ctx)), ==, GST_FLOW_OK);

  /* One session-context event per change, each before its buffer. */
  std::string seen;
  while (GstEvent * e = gst_harness_try_pull_event (h)) {
    GstSessionContext *ctx = nullptr;
    if (gst_event_parse_session_context (e, &ctx)) {
      seen += gst_session_context_get_id (ctx);
      g_object_unref (ctx);
    }
    gst_event_unref (e);
  }
  g_assert_cmpstr (seen.c_str (), ==, "aba");
  /* The pad answers with the last session named. */
  GstPad *src = gst_element_get_static_pad (h->element, "src");
  gst::session::Context cur = gst::session::current (src, nullptr);
  {
    const std::string got = cur.id ();
    g_assert_cmpstr (got.c_str (), ==, "a");
  }
  gst_object_unref (src);
  for (int i = 0; i < 7; i++)
    gst_buffer_unref (gst_harness_pull (h));

  /* An upstream session-context event counts as sent. */
  gst_harness_push_event (h, gst_event_new_session_context (b));
  gst_harness_push (h, audio_of (b));
  int events = 0;
  while (GstEvent * e = gst_harness_try_pull_event (h)) {
    events += gst_event_parse_session_context (e, nullptr) ? 1 : 0;
    gst_event_unref (e);
  }
  g_assert_cmpint (events, ==, 1);
  gst_buffer_unref (gst_harness_pull (h));
  g_object_unref (a);
  g_object_unref (b);
  gst_harness_teardown (h);
}

/* A stream whose source declared its session (the event from upstream,
 * as sessionsrc's session pads do): buffers without a meta get it. Without
 * that declaration they stay without. */
static void
test_sticky_fills_declared ()
{
  GstHarness *h = gst_harness_new ("sessionsticky");
  gst_harness_set_src_caps_str (h, RAW_CAPS);
  gst_harness_push (h, audio_of (nullptr));
  GstBuffer *out = gst_harness_pull (h);
  {
    const std::string got = id_of (out);
    g_assert_cmpstr (got.c_str (), ==, "");
  }
  gst_buffer_unref (out);

  GstSessionContext *a = context ("declared"), *b = context ("other");
  gst_harness_push_event (h, gst_event_new_session_context (a));
  gst_harness_push (h, audio_of (nullptr));
  /* Held elsewhere too (not writable): labelled all the same. */
  GstBuffer *shared = audio_of (nullptr);
  gst_harness_push (h, gst_buffer_ref (shared));
  gst_harness_push (h, audio_of (b));
  gst_harness_push (h, audio_of (nullptr));
  const char *expected[] = { "declared", "declared", "other", "declared" };
  for (const char *id : expected) {
    out = gst_harness_pull (h);
    {
      const std::string got = id_of (out);
      g_assert_cmpstr (got.c_str (), ==, id);
    }
    gst_buffer_unref (out);
  }
  g_assert_null (gst_buffer_get_session_meta (shared));
  gst_buffer_unref (shared);

  /* A new stream forgets the declared session. */
  gst_harness_push_event (h, gst_event_new_stream_start ("next"));
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  gst_harness_push (h, audio_of (nullptr));
  out = gst_harness_pull (h);
  {
    const std::string got = id_of (out);
    g_assert_cmpstr (got.c_str (), ==, "");
  }
  gst_buffer_unref (out);
  g_object_unref (a);
  g_object_unref (b);
  gst_harness_teardown (h);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rtphdrext/wire-rules", test_wire_rules);
  g_test_add_func ("/rtphdrext/cache", test_cache);
  g_test_add_func ("/rtphdrext/round-trip", test_round_trip);
  g_test_add_func ("/rtphdrext/unsendable-ids", test_unsendable_ids);
  g_test_add_func ("/rtphdrext/eos-flush-unlabelled",
      test_eos_flush_unlabelled);
  g_test_add_func ("/rtphdrext/no-extension-no-meta",
      test_no_extension_no_meta);
  g_test_add_func ("/rtphdrext/corrupt-ignored", test_corrupt_ignored);
  g_test_add_func ("/rtphdrext/lookup-once-per-session",
      test_lookup_once_per_session);
  g_test_add_func ("/rtphdrext/found-by-uri", test_found_by_uri);
  g_test_add_func ("/rtphdrext/sticky-follows-meta", test_sticky_follows_meta);
  g_test_add_func ("/rtphdrext/sticky-fills-declared",
      test_sticky_fills_declared);
  return g_test_run ();
}
