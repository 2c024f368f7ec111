/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sessionbin/handlertemplate.h"

#include <cstring>
#include <vector>

namespace sessionbin {

static bool
allowed (unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string
sanitize (const char *value)
{
  std::string out;
  if (!value)
    return out;
  const char *p = value;
  const char *end = value + strlen (value);
  while (p < end) {
    unsigned char c = (unsigned char) *p;
    if (allowed (c)) {
      out += (char) c;
      p++;
      continue;
    }
    out += '_';
    /* One '_' per character: skip a whole valid UTF-8 sequence, or one
     * invalid byte. */
    gunichar ch = g_utf8_get_char_validated (p, end - p);
    p += ch < 0x110000 ? g_utf8_skip[c] : 1;
  }
  return out;
}

std::string
expand (const std::string & description, GstSessionContext * context)
{
  struct Field
  {
    const char *token;
    std::string value;
  };
  const Field fields[] = {
    {"{session_id}", sanitize (gst_session_context_get_id (context))},
    {"{transport}", sanitize (gst_session_transport_to_string
              (gst_session_context_get_transport (context)))},
    {"{dialect}", sanitize (gst_session_dialect_to_string
              (gst_session_context_get_dialect (context)))},
  };
  std::string out;
  out.reserve (description.size ());
  size_t i = 0;
  while (i < description.size ()) {
    bool replaced = false;
    if (description[i] == '{') {
      for (const Field & f : fields) {
        size_t n = strlen (f.token);
        if (description.compare (i, n, f.token) == 0) {
          out += f.value;
          i += n;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced)
      out += description[i++];
  }
  return out;
}

void
ghost_unlinked_pads (GstBin * bin)
{
  /* In the order the description names the elements (a bin lists its
   * children newest first). */
  std::vector<GstElement *> children;
  for (GList * l = GST_BIN_CHILDREN (bin); l; l = l->next)
    children.insert (children.begin (), GST_ELEMENT (l->data));
  guint sinks = 0, srcs = 0;
  for (GstElement *child : children) {
    std::vector<GstPad *> pads;
    for (GList * l = GST_ELEMENT_PADS (child); l; l = l->next)
      pads.push_back (GST_PAD (l->data));
    for (GstPad *pad : pads) {
      if (gst_pad_is_linked (pad))
        continue;
      const bool sink = GST_PAD_IS_SINK (pad);
      guint & n = sink ? sinks : srcs;
      /* "sink" and "src" for the first, as a one-chain handler had. */
      gchar *name = n == 0 ? g_strdup (sink ? "sink" : "src") :
          g_strdup_printf ("%s_%u", sink ? "sink" : "src", n);
      n++;
      GstPad *ghost = gst_ghost_pad_new (name, pad);
      g_free (name);
      gst_element_add_pad (GST_ELEMENT (bin), ghost);
    }
  }
}

GstElement *
parse_handler (const std::string & description, GstSessionContext * context,
    std::string & error)
{
  std::string filled = expand (description, context);
  GError *err = nullptr;
  /* Not ghost_unlinked_pads: that ghosts one sink and one source pad, and
   * a handler may have a chain per kind (audio and video). */
  GstElement *bin = gst_parse_bin_from_description_full (filled.c_str (),
      FALSE, nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (!bin) {
    error = err ? err->message : "the handler does not parse";
    g_clear_error (&err);
    return nullptr;
  }
  g_clear_error (&err);
  /* One element that is not a sink (identity, turndetect, a capsfilter):
   * the element itself, without a bin around it whose ghost pads every
   * buffer would cross twice. A sink keeps its bin: the bin's
   * async-handling keeps its preroll its own (sessionhandler.cpp). */
  if (GST_BIN_NUMCHILDREN (bin) == 1) {
    GstElement *only = GST_ELEMENT (GST_BIN_CHILDREN (bin)->data);
    if (!GST_OBJECT_FLAG_IS_SET (only, GST_ELEMENT_FLAG_SINK)) {
      gst_object_ref (only);
      gst_bin_remove (GST_BIN (bin), only);
      gst_object_unref (gst_object_ref_sink (bin));
      return only;
    }
  }
  ghost_unlinked_pads (GST_BIN (bin));
  return bin;
}

}  // namespace sessionbin
