/* libFuzzer target: what the receiving side of rtphdrextsessionctx does
 * with the bytes of an RTP header extension element (plugin/rtp), as a
 * depayloader hands them over: read into a buffer.
 *
 * Input: a first byte choosing the form (bit 0 set: two-byte, else
 * one-byte), then the element's bytes. Oracles:
 * - read never fails (a failing read leaves 1.22's depayloader locked);
 * - the buffer gets a session exactly when the bytes are 1 to 255 bytes of
 *   UTF-8 without control characters (checked here on its own), and then
 *   its id is those bytes;
 * - that id written back by the sending side (get_max_size, write, in the
 *   form its length allows) gives the same bytes;
 * - ASan/UBSan, G_DEBUG=fatal-criticals: no overrun, no GLib critical.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define FUZZ_GST_INIT
#include "fuzzcheck.h"
#include "rtp/gstrtphdrextsessionctx.h"

#include <gst/sessionctx/sessionctx.h>

#include <cstring>
#include <string>

namespace {

/* The rule, written apart from sessionidwire.cpp's. */
bool
expect_id (const std::string & bytes)
{
  if (bytes.empty () || bytes.size () > 255)
    return false;
  for (unsigned char c : bytes)
    if (c < 0x20 || c == 0x7F)
      return false;
  return g_utf8_validate (bytes.data (), bytes.size (), nullptr);
}

GstRTPHeaderExtension *
extension ()
{
  static GstRTPHeaderExtension *ext = [] {
    auto *e = GST_RTP_HEADER_EXTENSION (g_object_new
        (GST_TYPE_RTP_HDR_EXT_SESSION_CTX, nullptr));
    gst_object_ref_sink (e);
    gst_rtp_header_extension_set_id (e, 1);
    return e;
  }();
  return ext;
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  if (size < 1)
    return 0;
  auto form = (data[0] & 1) ? GST_RTP_HEADER_EXTENSION_TWO_BYTE :
      GST_RTP_HEADER_EXTENSION_ONE_BYTE;
  const std::string bytes (reinterpret_cast < const char *>(data + 1),
      size - 1);
  GstRTPHeaderExtension *ext = extension ();

  GstBuffer *out = gst_buffer_new ();
  /* A depayloader never hands over a NULL pointer, even for 0 bytes. */
  static const guint8 nothing = 0;
  const guint8 *element = bytes.empty ()? &nothing :
      reinterpret_cast < const guint8 * >(bytes.data ());
  CHECK (gst_rtp_header_extension_read (ext, form, element, bytes.size (),
          out));
  GstSessionMeta *meta = gst_buffer_get_session_meta (out);
  CHECK ((meta != nullptr) == expect_id (bytes));
  if (!meta) {
    gst_buffer_unref (out);
    return 0;
  }
  const gchar *id = gst_session_context_get_id (meta->context);
  CHECK (bytes == id);

  /* Back onto the wire. */
  GstBuffer *input_meta = gst_buffer_new ();
  gst_buffer_add_session_meta (input_meta, meta->context);
  gsize max = gst_rtp_header_extension_get_max_size (ext, input_meta);
  CHECK (max == bytes.size ());
  auto write_form = max <= 16 ? GST_RTP_HEADER_EXTENSION_ONE_BYTE :
      GST_RTP_HEADER_EXTENSION_TWO_BYTE;
  GstBuffer *packet = gst_buffer_new ();
  guint8 wire[255];
  gssize written = gst_rtp_header_extension_write (ext, input_meta,
      write_form, packet, wire, sizeof wire);
  CHECK (written == (gssize) bytes.size ());
  CHECK (memcmp (wire, bytes.data (), bytes.size ()) == 0);
  gst_buffer_unref (packet);
  gst_buffer_unref (input_meta);
  gst_buffer_unref (out);
  return 0;
}
