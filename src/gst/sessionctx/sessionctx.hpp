/* gst-sessionctx — header-only C++ helpers over the C API.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/sessionctx/sessionctx.h>

#include <string>
#include <utility>

namespace gst::session {

/* Owning handle for a GstSessionContext (RAII over g_object_ref/unref). */
class Context
{
public:
  Context () noexcept = default;
  /* Takes ownership of one reference. */
  static Context adopt (GstSessionContext * ctx) noexcept
  {
    Context c;
    c.ptr_ = ctx;
    return c;
  }
  /* Adds a reference. */
  static Context ref (GstSessionContext * ctx) noexcept
  {
    return adopt (ctx ? GST_SESSION_CONTEXT (g_object_ref (ctx)) : nullptr);
  }
  Context (const Context & o) noexcept : Context (ref (o.ptr_)) {}
  Context (Context && o) noexcept : ptr_ (std::exchange (o.ptr_, nullptr)) {}
  Context & operator= (Context o) noexcept
  {
    std::swap (ptr_, o.ptr_);
    return *this;
  }
  ~Context ()
  {
    if (ptr_)
      g_object_unref (ptr_);
  }

  explicit operator bool () const noexcept { return ptr_ != nullptr; }
  GstSessionContext * get () const noexcept { return ptr_; }
  GstSessionContext * release () noexcept { return std::exchange (ptr_, nullptr); }

  std::string id () const { return ptr_ ? gst_session_context_get_id (ptr_) : ""; }
  GstSessionTransport transport () const
  {
    return gst_session_context_get_transport (ptr_);
  }
  GstSessionDialect dialect () const
  {
    return gst_session_context_get_dialect (ptr_);
  }
  std::string remote_address () const
  {
    const gchar *a = ptr_ ? gst_session_context_get_remote_address (ptr_) : nullptr;
    return a ? a : "";
  }
  const GstStructure * metadata () const
  {
    return ptr_ ? gst_session_context_get_metadata (ptr_) : nullptr;
  }

private:
  GstSessionContext *ptr_ = nullptr;
};

/* The current session of @buf on @pad (meta first, then the pad's sticky
 * event); an empty Context when there is none. */
inline Context
current (GstPad * pad, GstBuffer * buf)
{
  return Context::adopt (gst_session_context_get_current (pad, buf));
}

}  // namespace gst::session
