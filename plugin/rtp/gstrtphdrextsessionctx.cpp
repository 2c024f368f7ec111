/* rtphdrextsessionctx: the session of each buffer over an RTP hop.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-rtphdrextsessionctx
 * @title: rtphdrextsessionctx
 * @short_description: RTP header extension carrying the session id
 * @see_also: #GstRTPHeaderExtension, #GstRTPBasePayload,
 *   #GstRTPBaseDepayload, sessionsticky
 *
 * An RTP header extension (RFC 8285) that takes a buffer's session over an
 * RTP hop, so that a pipeline on another machine still answers
 * gst_session_context_get_current() with the caller whose media it is.
 *
 * * On a payloader it writes the id of the #GstSessionMeta of the buffer
 *   a packet is made from into that packet. A buffer without a session
 *   makes packets without the extension.
 * * On a depayloader it reads the id of each packet and attaches a
 *   #GstSessionMeta naming that session to the buffer the depayloader
 *   makes from it. A packet without the extension, or with bytes that are
 *   not an id, gives a buffer without a session: every packet is labelled
 *   alone, so loss and reordering never label a buffer with another
 *   packet's session. The depayloader reads the extension of the packet
 *   that completes a buffer (for L16 or Opus, each packet is a buffer).
 *
 * Its URI is `urn:gst-sessionctx:rtp-hdrext:session-id`: an absolute URI
 * as RFC 8285 asks, outside the IETF's `urn:ietf:params:rtp-hdrext:`
 * names (which are registered), and needing no web domain. On the wire an
 * element holds the id's bytes (UTF-8 as the client gave it), nothing
 * else: up to 16 bytes in the one-byte form, up to 255 in the two-byte
 * form (RFC 8285 chooses per packet; the server's own ids are at most 128
 * bytes). An id over 255 bytes, or one with control characters, is not
 * written (#GstRtpHdrExtSessionCtx:packets-unlabelled counts its packets,
 * a warning names it once). Each packet grows by the 4-byte extension
 * header, the element's 1 or 2 header bytes and the id, padded to 32-bit
 * words: 16 bytes for a 10-byte id, 40 for a 34-byte Twilio `streamSid`.
 *
 * The receiving side makes one context per session id and keeps the
 * contexts of the 64 ids met most recently: a context made from the wire
 * knows only its id (transport and dialect are the enums' defaults, its
 * metadata is `metadata, via=(string)rtp`). A directory of sessions that
 * knows more answers #GstRtpHdrExtSessionCtx::lookup-context, asked once
 * per id.
 *
 * ## The directory
 *
 * With #GstRtpHdrExtSessionCtx:directory set to the Redis the sending
 * instances write (their `directory`), the receiving side reads each
 * session's entry from it: once per id met (when no
 * #GstRtpHdrExtSessionCtx::lookup-context handler answered), never per
 * packet, and never on the streaming thread. A thread of the extension's
 * own, with a connection of its own, started when the first id is met,
 * GETs `sessionctx:session:<id>`; the value is checked as the instances
 * check each other's (its size and nesting, the instance URL, JSON; the
 * id is the key's), and its "transport", "dialect" (both required) and
 * "remote-address" make the session's full context, with metadata
 * `metadata, via=(string)rtp, instance=(string)<the instance URL>`
 * (the entry holds no client metadata). Until that answer arrives, the
 * id's buffers carry the context that knows only the id; then the cache
 * entry is replaced and the next buffer carries the full one (the window
 * is one round trip to Redis: a buffer or two of 20 ms on loopback). An
 * id the directory does not hold (its claim may not be written yet), a
 * refused value, or Redis unreachable (0.5 s timeouts): asked once more
 * 3 s later, then the id keeps the context that knows only its id. Redis
 * down never touches the media; the connection comes back by itself
 * (backoff 0.5 s to 5 s). #GstRtpHdrExtSessionCtx:directory-lookups and
 * #GstRtpHdrExtSessionCtx:directory-found count the GETs and the entries
 * used.
 *
 * An extension sees buffers' metas only, never a pad or its events.
 * Before the payloader, `sessionsticky` gives the stream's session to
 * buffers that elements made without one (`audioresample` drains into new
 * buffers at timestamp jumps and at the end); after the depayloader it
 * sends the sticky session-context event when the session changes, for
 * elements that drop metas (mixers, aggregators). An audio payloader
 * sends what it still holds at EOS outside any input buffer, so without
 * metas: that packet (less than one packet's time) goes without the id.
 *
 * Payloaders and depayloaders take the extension from an `extmap-N` field
 * of their caps (`auto-header-extension`, on by default) or from their
 * `add-extension` action signal; `rtpbin` passes it through.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 sessionbin handler="audioconvert ! audioresample ! \
 *   audio/x-raw,rate=16000,channels=1 ! sessionsticky ! rtpL16pay ! \
 *   application/x-rtp,extmap-1=(string)urn:gst-sessionctx:rtp-hdrext:session-id ! \
 *   udpsink host=worker port=5004"
 * ]| sends each session's audio to `worker` as L16 RTP with its id.
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-rtp,media=audio,\
 *   clock-rate=16000,encoding-name=L16,channels=1,payload=96,\
 *   extmap-1=(string)urn:gst-sessionctx:rtp-hdrext:session-id" ! \
 *   rtpL16depay ! sessionsticky ! sessioninfo silent=false ! fakesink
 * ]| receives them and names each session as its audio arrives.
 */

#include "rtp/gstrtphdrextsessionctx.h"
#include "gstsessionctxelements.h"
#include "cluster/clusterlookup.h"
#include "rtp/contextcache.h"
#include "rtp/sessionidwire.h"
#include "wire/logsafe.h"

#include <gst/sessionctx/sessionctx.hpp>

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

GST_DEBUG_CATEGORY_STATIC (rtphdrext_session_ctx_debug);
#define GST_CAT_DEFAULT rtphdrext_session_ctx_debug

using sessionctx::ClusterEntry;
using sessionctx::ClusterLookup;
using sessionctx::rtp::ContextCache;
namespace wire = sessionctx::rtp;

struct GstRtpHdrExtSessionCtxPrivate
{
  std::mutex lock;              /* guards the four below */
  ContextCache contexts;        /* receiving: the contexts of ids read */
  std::string last_unlabelled;  /* sending: the last id not written */
  std::string directory;        /* the property, as set */
  /* Receiving: asks the directory for the ids met; destroyed (joined)
   * without the lock held. */
  std::shared_ptr < ClusterLookup > lookup;

  std::atomic < guint64 > packets_written { 0 };
  std::atomic < guint64 > packets_unlabelled { 0 };
  std::atomic < guint64 > packets_read { 0 };
  std::atomic < guint64 > packets_malformed { 0 };
};

struct _GstRtpHdrExtSessionCtx
{
  GstRTPHeaderExtension parent;
  GstRtpHdrExtSessionCtxPrivate *priv;
};

enum
{
  PROP_0,
  PROP_PACKETS_WRITTEN,
  PROP_PACKETS_UNLABELLED,
  PROP_PACKETS_READ,
  PROP_PACKETS_MALFORMED,
  PROP_DIRECTORY,
  PROP_DIRECTORY_LOOKUPS,
  PROP_DIRECTORY_FOUND,
};

enum
{
  SIGNAL_LOOKUP_CONTEXT,
  LAST_SIGNAL,
};
static guint signals[LAST_SIGNAL];

#define gst_rtp_hdr_ext_session_ctx_parent_class parent_class
G_DEFINE_TYPE (GstRtpHdrExtSessionCtx, gst_rtp_hdr_ext_session_ctx,
    GST_TYPE_RTP_HEADER_EXTENSION);
GST_ELEMENT_REGISTER_DEFINE (rtphdrextsessionctx, "rtphdrextsessionctx",
    GST_RANK_MARGINAL, GST_TYPE_RTP_HDR_EXT_SESSION_CTX);

/* The id of @input_meta's session when it can go on the wire (@len its
 * length), else nullptr. */
static const gchar *
sendable_id (GstRtpHdrExtSessionCtx * self, const GstBuffer * input_meta,
    size_t *len)
{
  if (!input_meta)
    return nullptr;
  GstSessionMeta *meta =
      gst_buffer_get_session_meta (const_cast < GstBuffer * >(input_meta));
  if (!meta || !meta->context)
    return nullptr;
  const gchar *id = gst_session_context_get_id (meta->context);
  if (wire::is_wire_session_id (id, len))
    return id;
  return nullptr;
}

static GstRTPHeaderExtensionFlags
gst_rtp_hdr_ext_session_ctx_get_supported_flags (GstRTPHeaderExtension * ext)
{
  return (GstRTPHeaderExtensionFlags) (GST_RTP_HEADER_EXTENSION_ONE_BYTE |
      GST_RTP_HEADER_EXTENSION_TWO_BYTE);
}

/* The payloader asks for each packet, with the buffer's metas: the id's
 * length (over 16 bytes, it takes the two-byte form). */
static gsize
gst_rtp_hdr_ext_session_ctx_get_max_size (GstRTPHeaderExtension * ext,
    const GstBuffer * input_meta)
{
  size_t len = 0;
  return sendable_id (GST_RTP_HDR_EXT_SESSION_CTX (ext), input_meta, &len) ?
      len : 0;
}

/* A buffer of a session whose id cannot go on the wire: counted, and a
 * warning the first time in a row. Called with the payloader's object
 * lock held (1.22's set_headers). */
static void
note_unlabelled (GstRtpHdrExtSessionCtx * self, const GstBuffer * input_meta,
    const char *why)
{
  GstSessionMeta *meta = input_meta ?
      gst_buffer_get_session_meta (const_cast < GstBuffer * >(input_meta)) :
      nullptr;
  if (!meta || !meta->context)
    return;
  self->priv->packets_unlabelled++;
  const gchar *id = gst_session_context_get_id (meta->context);
  std::lock_guard < std::mutex > l (self->priv->lock);
  if (self->priv->last_unlabelled == id)
    return;
  self->priv->last_unlabelled = id;
  GST_WARNING_OBJECT (self, "session %s: its packets go without the id (%s)",
      sessionctx::log_safe (id).c_str (), why);
}

static gssize
gst_rtp_hdr_ext_session_ctx_write (GstRTPHeaderExtension * ext,
    const GstBuffer * input_meta, GstRTPHeaderExtensionFlags write_flags,
    GstBuffer * output, guint8 * data, gsize size)
{
  auto *self = GST_RTP_HDR_EXT_SESSION_CTX (ext);
  size_t len = 0;
  const gchar *id = sendable_id (self, input_meta, &len);
  if (!id) {
    note_unlabelled (self, input_meta, "over 255 bytes or control characters");
    return 0;
  }
  if (len > wire::kOneByteMax &&
      !(write_flags & GST_RTP_HEADER_EXTENSION_TWO_BYTE)) {
    /* Another extension of the payloader allows the one-byte form only. */
    note_unlabelled (self, input_meta, "over 16 bytes, one-byte form only");
    return 0;
  }
  if (len > size) {
    note_unlabelled (self, input_meta, "no room in the packet");
    return 0;
  }
  memcpy (data, id, len);
  self->priv->packets_written++;
  return (gssize) len;
}

/* The context of @id: kept, looked up (once per id) or made. */
static gst::session::Context
context_for (GstRtpHdrExtSessionCtx * self, std::string_view id)
{
  GstRtpHdrExtSessionCtxPrivate *priv = self->priv;
  {
    std::lock_guard < std::mutex > l (priv->lock);
    if (auto kept = priv->contexts.find (id))
      return kept;
  }

  /* Outside our lock: a handler may read our properties. */
  std::string key (id);
  GstSessionContext *found = nullptr;
  g_signal_emit (self, signals[SIGNAL_LOOKUP_CONTEXT], 0, key.c_str (),
      &found);
  auto ctx = gst::session::Context::adopt (found);
  if (ctx && ctx.id () != key) {
    GST_WARNING_OBJECT (self, "lookup-context answered session %s for %s: "
        "not used", sessionctx::log_safe (ctx.id ()).c_str (),
        sessionctx::log_safe (key).c_str ());
    ctx = {};
  }
  bool ask = !ctx;
  if (!ctx)
    ctx = gst::session::Context::adopt (gst_session_context_new (key.c_str (),
            GST_SESSION_TRANSPORT_WEBSOCKET, GST_SESSION_DIALECT_FASTRTC,
            nullptr, gst_structure_new ("metadata", "via", G_TYPE_STRING,
                "rtp", NULL)));
  GST_DEBUG_OBJECT (self, "session %s met", sessionctx::log_safe (key).c_str ());

  std::lock_guard < std::mutex > l (priv->lock);
  priv->contexts.insert (id, ctx);
  /* The directory's answer replaces this context (a queue, no network). */
  if (ask && priv->lookup && !priv->lookup->ask (key))
    GST_DEBUG_OBJECT (self, "directory lookups queued to the limit: "
        "session %s not asked", sessionctx::log_safe (key).c_str ());
  return ctx;
}

/* On the lookup's thread: the full context of @id from its directory
 * entry replaces the one that knows only the id. */
static void
directory_answered (GstRtpHdrExtSessionCtx * self, const std::string & id,
    const ClusterEntry * entry)
{
  sessionctx::ClusterEntryContext fields;
  if (!entry || !sessionctx::cluster_entry_context (*entry, &fields)) {
    GST_DEBUG_OBJECT (self, "session %s: %s, its context knows only its id",
        sessionctx::log_safe (id).c_str (), entry ?
        "no transport or dialect in its directory entry" :
        "not in the directory");
    return;
  }
  auto ctx = gst::session::Context::adopt (gst_session_context_new (id.c_str (),
          fields.transport, fields.dialect, fields.remote.empty ()? nullptr :
          fields.remote.c_str (), gst_structure_new ("metadata", "via",
              G_TYPE_STRING, "rtp", "instance", G_TYPE_STRING,
              entry->instance.c_str (), NULL)));
  GST_DEBUG_OBJECT (self, "session %s: its context from the directory",
      sessionctx::log_safe (id).c_str ());
  std::lock_guard < std::mutex > l (self->priv->lock);
  self->priv->contexts.insert (id, std::move (ctx));
}

/* Sets the directory (empty: none); the lookup it replaces is joined
 * outside the lock. */
static void
set_directory (GstRtpHdrExtSessionCtx * self, const gchar * url)
{
  std::string text = url ? url : "";
  std::shared_ptr < ClusterLookup > lookup;
  sessionctx::RedisAddress redis;
  if (!text.empty () && !sessionctx::parse_redis_url (text, &redis)) {
    GST_WARNING_OBJECT (self, "directory is no redis://host[:port][/db] "
        "URL: none used");
    text.clear ();
  }
  if (!text.empty () && !ClusterLookup::client_built ())
    GST_WARNING_OBJECT (self, "directory is set but this build has no Redis "
        "client (hiredis): every context knows only its id");
  if (!text.empty ())
    lookup = std::make_shared < ClusterLookup > (redis,
        [self](const std::string & id, const ClusterEntry * entry) {
          directory_answered (self, id, entry);
        });
  std::shared_ptr < ClusterLookup > old;
  {
    std::lock_guard < std::mutex > l (self->priv->lock);
    self->priv->directory = text;
    old.swap (self->priv->lookup);
    self->priv->lookup = lookup;
  }
  old.reset ();
}

static void
gst_rtp_hdr_ext_session_ctx_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  switch (prop_id) {
    case PROP_DIRECTORY:
      set_directory (GST_RTP_HDR_EXT_SESSION_CTX (object),
          g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static gboolean
drop_session_meta (GstBuffer * buffer, GstMeta ** meta, gpointer user_data)
{
  if ((*meta)->info->api == GST_SESSION_META_API_TYPE)
    *meta = nullptr;
  return TRUE;
}

/* Called by the depayloader with its object lock held, for the packet that
 * completes @buffer. Never FALSE: 1.22's depayloader returns from
 * read_rtp_header_extensions with its object lock still held when an
 * extension's read fails, and the next packet would hang. Bytes that are
 * not an id are ignored. */
static gboolean
gst_rtp_hdr_ext_session_ctx_read (GstRTPHeaderExtension * ext,
    GstRTPHeaderExtensionFlags read_flags, const guint8 * data, gsize size,
    GstBuffer * buffer)
{
  auto *self = GST_RTP_HDR_EXT_SESSION_CTX (ext);
  if (!wire::is_wire_session_id (data, size)) {
    self->priv->packets_malformed++;
    GST_DEBUG_OBJECT (self, "%" G_GSIZE_FORMAT " bytes that are no session "
        "id: %s", size, data ? sessionctx::log_safe ((const char *) data,
            size).c_str () : "");
    return TRUE;
  }
  std::string_view id (reinterpret_cast < const char *>(data), size);

  /* In one process the payloaded buffer may still carry its session's meta
   * (payloaders copy metas): kept when it names the same session. */
  GstSessionMeta *had = gst_buffer_get_session_meta (buffer);
  if (had && had->context && id == gst_session_context_get_id (had->context)) {
    self->priv->packets_read++;
    return TRUE;
  }
  gst::session::Context ctx = context_for (self, id);
  if (had)
    gst_buffer_foreach_meta (buffer, drop_session_meta, nullptr);
  gst_buffer_add_session_meta (buffer, ctx.get ());
  self->priv->packets_read++;
  return TRUE;
}

/* The first handler's context that is not NULL ends the emission. */
static gboolean
first_context (GSignalInvocationHint * hint, GValue * return_accu,
    const GValue * handler_return, gpointer data)
{
  GObject *ctx = G_OBJECT (g_value_get_object (handler_return));
  g_value_set_object (return_accu, ctx);
  return ctx == nullptr;
}

static void
gst_rtp_hdr_ext_session_ctx_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstRtpHdrExtSessionCtxPrivate *priv =
      GST_RTP_HDR_EXT_SESSION_CTX (object)->priv;
  switch (prop_id) {
    case PROP_PACKETS_WRITTEN:
      g_value_set_uint64 (value, priv->packets_written);
      break;
    case PROP_PACKETS_UNLABELLED:
      g_value_set_uint64 (value, priv->packets_unlabelled);
      break;
    case PROP_PACKETS_READ:
      g_value_set_uint64 (value, priv->packets_read);
      break;
    case PROP_PACKETS_MALFORMED:
      g_value_set_uint64 (value, priv->packets_malformed);
      break;
    case PROP_DIRECTORY:{
      std::lock_guard < std::mutex > l (priv->lock);
      g_value_set_string (value, priv->directory.c_str ());
      break;
    }
    case PROP_DIRECTORY_LOOKUPS:
    case PROP_DIRECTORY_FOUND:{
      std::lock_guard < std::mutex > l (priv->lock);
      g_value_set_uint64 (value, !priv->lookup ? 0 :
          prop_id == PROP_DIRECTORY_LOOKUPS ? priv->lookup->lookups () :
          priv->lookup->found ());
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_rtp_hdr_ext_session_ctx_finalize (GObject * object)
{
  /* The lookup's thread joined before what its answers touch goes. */
  set_directory (GST_RTP_HDR_EXT_SESSION_CTX (object), nullptr);
  delete GST_RTP_HDR_EXT_SESSION_CTX (object)->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_rtp_hdr_ext_session_ctx_init (GstRtpHdrExtSessionCtx * self)
{
  self->priv = new GstRtpHdrExtSessionCtxPrivate ();
}

static void
install_counter (GObjectClass * gobject_class, guint prop_id,
    const gchar * name, const gchar * nick, const gchar * blurb)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_uint64 (name, nick, blurb, 0, G_MAXUINT64, 0,
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
}

static void
gst_rtp_hdr_ext_session_ctx_class_init (GstRtpHdrExtSessionCtxClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  auto *ext_class = GST_RTP_HEADER_EXTENSION_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (rtphdrext_session_ctx_debug, "rtphdrextsessionctx",
      0, "RTP header extension carrying the session id");

  gobject_class->set_property = gst_rtp_hdr_ext_session_ctx_set_property;
  gobject_class->get_property = gst_rtp_hdr_ext_session_ctx_get_property;
  gobject_class->finalize = gst_rtp_hdr_ext_session_ctx_finalize;
  ext_class->get_supported_flags =
      gst_rtp_hdr_ext_session_ctx_get_supported_flags;
  ext_class->get_max_size = gst_rtp_hdr_ext_session_ctx_get_max_size;
  ext_class->write = gst_rtp_hdr_ext_session_ctx_write;
  ext_class->read = gst_rtp_hdr_ext_session_ctx_read;

  /**
   * GstRtpHdrExtSessionCtx:packets-written:
   *
   * Sending: packets that got the session id.
   */
  install_counter (gobject_class, PROP_PACKETS_WRITTEN, "packets-written",
      "Packets written", "Sending: packets that got the session id");
  /**
   * GstRtpHdrExtSessionCtx:packets-unlabelled:
   *
   * Sending: packets of a buffer with a session whose id could not be
   * written (over 255 bytes, control characters, or over 16 bytes beside an
   * extension that allows the one-byte form only).
   */
  install_counter (gobject_class, PROP_PACKETS_UNLABELLED,
      "packets-unlabelled", "Packets unlabelled",
      "Sending: packets of a session whose id could not be written "
      "(over 255 bytes, control characters)");
  /**
   * GstRtpHdrExtSessionCtx:packets-read:
   *
   * Receiving: buffers labelled with the session read from their packet.
   */
  install_counter (gobject_class, PROP_PACKETS_READ, "packets-read",
      "Packets read", "Receiving: buffers labelled with their packet's "
      "session");
  /**
   * GstRtpHdrExtSessionCtx:packets-malformed:
   *
   * Receiving: extension elements ignored because their bytes are no
   * session id (empty, not UTF-8, control characters); their buffers get no
   * session.
   */
  install_counter (gobject_class, PROP_PACKETS_MALFORMED, "packets-malformed",
      "Packets malformed", "Receiving: extensions ignored, their bytes no "
      "session id (their buffers get no session)");

  /**
   * GstRtpHdrExtSessionCtx:directory:
   *
   * Receiving: the cluster directory of the instances whose sessions
   * arrive, `redis://host[:port][/db]` as #GstSessionSrc:directory takes
   * it (the same keys); empty (the default): none, each context knows
   * only its id. See "The directory" above.
   */
  g_object_class_install_property (gobject_class, PROP_DIRECTORY,
      g_param_spec_string ("directory", "Directory",
          "Receiving: the cluster directory (redis://host[:port][/db]) the "
          "full context of each session id met is read from, once per id; "
          "empty = the id only", "",
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  /**
   * GstRtpHdrExtSessionCtx:directory-lookups:
   *
   * Receiving: GETs sent to the #GstRtpHdrExtSessionCtx:directory (one per
   * session id met, two when the first found nothing).
   */
  install_counter (gobject_class, PROP_DIRECTORY_LOOKUPS, "directory-lookups",
      "Directory lookups", "Receiving: session entries asked of the "
      "directory (one per id met, a second when the first found nothing)");
  /**
   * GstRtpHdrExtSessionCtx:directory-found:
   *
   * Receiving: session entries the #GstRtpHdrExtSessionCtx:directory
   * answered with (valid ones).
   */
  install_counter (gobject_class, PROP_DIRECTORY_FOUND, "directory-found",
      "Directory entries found", "Receiving: valid session entries the "
      "directory answered with");

  /**
   * GstRtpHdrExtSessionCtx::lookup-context:
   * @ext: the extension
   * @id: a session id read from the wire (1 to 255 bytes of UTF-8, no
   *   control characters)
   *
   * The seam for a directory of sessions: asked the first time the
   * receiving side meets @id (again only once 64 other ids were met
   * since), never per packet. A handler returns the session's full
   * context, whose id must be @id, or %NULL; without one the context
   * knows only the id. It runs on the depayloader's streaming thread with
   * the depayloader's object lock held: answer from memory, do not block
   * on the network and do not touch the depayloader.
   *
   * Returns: (transfer full) (nullable): the session's context
   */
  signals[SIGNAL_LOOKUP_CONTEXT] = g_signal_new ("lookup-context",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, first_context, nullptr,
      nullptr, GST_TYPE_SESSION_CONTEXT, 1, G_TYPE_STRING);

  gst_element_class_set_static_metadata (element_class,
      "RTP header extension: session id", GST_RTP_HDREXT_ELEMENT_CLASS,
      "Writes the session id of each buffer into its RTP packets and labels "
      "depayloaded buffers with the session read from theirs",
      GST_SESSIONCTX_AUTHOR);
  gst_rtp_header_extension_class_set_uri (ext_class,
      SESSIONCTX_RTP_SESSION_ID_URI);
}
