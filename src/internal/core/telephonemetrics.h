/* What /metrics tells about Twilio phone calls: the answers to Twilio's
 * incoming-call webhook (/telephone/incoming) by HTTP status, and the
 * requests refused for their X-Twilio-Signature by route and reason.
 * Relaxed atomics; the labels are fixed (a few statuses, two routes, two
 * reasons).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <atomic>
#include <string>

namespace sessionctx {

class TelephoneCounters
{
public:
  enum Route
  {
    incoming,                   /* POST /telephone/incoming (the webhook) */
    handler,                    /* the /telephone/handler upgrade (media) */
    kRoutes,
  };
  enum Refusal
  {
    missing,                    /* no X-Twilio-Signature */
    invalid,                    /* one that does not verify */
    kRefusals,
  };

  /* Any thread: the webhook answered @status (one of 200, 400, 401, 403,
   * 404, 405, 503; others are not counted). */
  void webhook (guint status);
  /* A request on @route refused (403) for its signature. */
  void signature_refused (Route route, Refusal why)
  {
    refused_[route][why].fetch_add (1, std::memory_order_relaxed);
  }

  /* Appends sessionctx_twilio_webhook_requests_total and
   * sessionctx_twilio_signature_refusals_total (text format 0.0.4). */
  void render (std::string & out) const;

private:
  static constexpr guint kStatuses[] = { 200, 400, 401, 403, 404, 405, 503 };
  static constexpr int kNumStatuses = G_N_ELEMENTS (kStatuses);
  std::atomic<guint64> webhook_[kNumStatuses] {};
  std::atomic<guint64> refused_[kRoutes][kRefusals] {};
};

}  // namespace sessionctx
