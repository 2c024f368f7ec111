/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "stream/asynccall.h"

namespace sessionctx {

namespace {

struct Call
{
  GstElement *element;
  GstElementCallAsyncFunc func;
  gpointer data;
  GDestroyNotify destroy;
};

void
run_call (gpointer data, gpointer)
{
  auto *call = static_cast<Call *> (data);
  call->func (call->element, call->data);
  if (call->destroy)
    call->destroy (call->data);
  gst_object_unref (call->element);
  delete call;
}

GThreadPool *
pool ()
{
  /* Shared with the rest of the process (not exclusive): idle threads
   * go back to GLib's. Never freed. */
  static GThreadPool *calls = g_thread_pool_new (run_call, nullptr,
      kCallThreads, FALSE, nullptr);
  return calls;
}

}  // namespace

void
call_async (GstElement * element, GstElementCallAsyncFunc func,
    gpointer data, GDestroyNotify destroy)
{
  auto *call = new Call { GST_ELEMENT (gst_object_ref (element)), func,
    data, destroy };
  g_thread_pool_push (pool (), call, nullptr);
}

}  // namespace sessionctx
