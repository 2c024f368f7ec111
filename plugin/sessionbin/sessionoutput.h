/* The end of a session's audio output stage in a sessionbin: a sink pad of
 * the session's own, with no element around it, that sends what the
 * handler makes back to the session's client.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sessionbin/outputgate.h"
#include "sessionsink/sessionsend.h"

#include <gst/gst.h>
#include <gst/sessionctx/sessionctx.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace sessionbin {

/* What a sessionsink would do for one session, without one: the handler's
 * (or its converters') source pad is linked to pad (), which takes S16LE
 * mono at any rate (SESSION_SEND_CAPS). A buffer is cut at the gate
 * (OutputGate), waits until its running time plus the latency is due on
 * @bin's clock (as a sink with sync does; a buffer due is sent at once)
 * and goes to the session (sessionsink::SessionSend). session-end and EOS
 * send what the resampler holds; session-clear clears the session; EOS
 * then calls @on_eos, on the streaming thread. No GstBaseSink: no preroll,
 * state, QoS or last sample to keep per buffer, and one element less per
 * session in the bin. The pad is not a child of anything; it is active
 * from construction until stop (). */
class SessionOutput
{
public:
  SessionOutput (GstElement * bin, GstSessionContext * context,
      const std::string & log_id, std::function<void ()> on_eos);
  ~SessionOutput ();
  SessionOutput (const SessionOutput &) = delete;
  SessionOutput & operator= (const SessionOutput &) = delete;

  GstPad *pad () const { return pad_; }
  OutputGate & gate () { return gate_; }
  /* Its EOS came. */
  bool eos () const { return eos_.load (); }
  /* The latency upstream of the pad when live (its peer's answer to a
   * latency query), false otherwise. */
  bool query_latency (GstClockTime * min);
  /* Buffers are due at their running time plus @latency; a LATENCY event
   * tells upstream (as a sink forwards it: turndetect's output waits for
   * that too). */
  void set_latency (GstClockTime latency);
  /* From now on every buffer and event is refused (FLUSHING), a buffer
   * waiting for its time at once; from any thread. */
  void stop ();
  /* After stop (): the pad is deactivated (waits for a push under way)
   * and unlinked. */
  void deactivate ();

private:
  static GstFlowReturn chain (GstPad * pad, GstObject * parent,
      GstBuffer * buffer);
  static GstFlowReturn chain_list (GstPad * pad, GstObject * parent,
      GstBufferList * list);
  static gboolean event (GstPad * pad, GstObject * parent, GstEvent * event);
  static gboolean query (GstPad * pad, GstObject * parent, GstQuery * query);
  GstFlowReturn render (GstBuffer * buffer);
  /* Until @running_time plus the latency is due; FLUSHING when stopped or
   * flushed meanwhile. */
  GstFlowReturn wait_until (GstClockTime running_time);
  bool handle_event (GstEvent * event);
  /* The session's end: what the resampler holds is sent, the session's
   * output released. */
  void finish ();

  GstElement *bin_;             /* not owned: it owns this */
  GstSessionContext *context_;
  std::string log_id_;
  std::function<void ()> on_eos_;
  GstPad *pad_;
  OutputGate gate_;
  std::atomic<GstClockTime> latency_ { 0 };
  std::atomic<bool> flushing_ { false };
  std::atomic<bool> eos_ { false };
  /* Guards wait_ and stopped_ (a leaf). */
  std::mutex lock_;
  GstClockID wait_ = nullptr;
  bool stopped_ = false;
  /* The streaming thread's alone (serialized events and buffers). */
  GstSegment segment_;
  int in_rate_ = 0;
  std::unique_ptr<sessionsink::SessionSend> send_;
};

}  // namespace sessionbin
