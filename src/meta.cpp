/* gst-sessionctx
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gst/sessionctx/sessionctx.h"

GType
gst_session_meta_api_get_type (void)
{
  static GType type = 0;
  /* No tags: every transform keeps the meta (GstAudioLevelMeta pattern). */
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstSessionMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
session_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  ((GstSessionMeta *) meta)->context = NULL;
  return TRUE;
}

static void
session_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstSessionMeta *m = (GstSessionMeta *) meta;
  if (m->context)
    g_object_unref (m->context);
}

/* Whatever the transform (copy, audio conversion, resampling), the output
 * buffer still belongs to the same session. */
static gboolean
session_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * src,
    GQuark type, gpointer data)
{
  GstSessionMeta *m = (GstSessionMeta *) meta;
  if (gst_buffer_get_session_meta (dest))
    return TRUE;
  return gst_buffer_add_session_meta (dest, m->context) != NULL;
}

const GstMetaInfo *
gst_session_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter (&info)) {
    const GstMetaInfo *i = gst_meta_register (GST_SESSION_META_API_TYPE,
        "GstSessionMeta", sizeof (GstSessionMeta), session_meta_init,
        session_meta_free, session_meta_transform);
    g_once_init_leave (&info, i);
  }
  return info;
}

/**
 * gst_buffer_add_session_meta:
 * @buffer: a writable #GstBuffer
 * @context: the session @buffer belongs to
 *
 * Returns: (transfer none): the meta added
 */
GstSessionMeta *
gst_buffer_add_session_meta (GstBuffer * buffer, GstSessionContext * context)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (GST_IS_SESSION_CONTEXT (context), NULL);

  GstSessionMeta *meta = (GstSessionMeta *) gst_buffer_add_meta (buffer,
      GST_SESSION_META_INFO, NULL);
  if (meta)
    meta->context = GST_SESSION_CONTEXT (g_object_ref (context));
  return meta;
}

/**
 * gst_buffer_get_session_meta:
 * @buffer: a #GstBuffer
 *
 * Returns: (transfer none) (nullable): the session meta of @buffer
 */
GstSessionMeta *
gst_buffer_get_session_meta (GstBuffer * buffer)
{
  return (GstSessionMeta *) gst_buffer_get_meta (buffer,
      GST_SESSION_META_API_TYPE);
}
