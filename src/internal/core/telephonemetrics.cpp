/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/telephonemetrics.h"
#include "core/prometheustext.h"

namespace sessionctx {
namespace {

const char *const kRouteNames[] = { "/telephone/incoming",
  "/telephone/handler"
};
const char *const kRefusalNames[] = { "missing", "invalid" };

}  // namespace

constexpr guint TelephoneCounters::kStatuses[];

void
TelephoneCounters::webhook (guint status)
{
  int i = prometheus::status_index (kStatuses, status);
  if (i >= 0)
    webhook_[i].fetch_add (1, std::memory_order_relaxed);
}

void
TelephoneCounters::render (std::string & out) const
{
  prometheus::header (out, "sessionctx_twilio_webhook_requests_total",
      "counter", "Answers to Twilio's incoming-call webhook "
      "(/telephone/incoming), by HTTP status (200: TwiML; 401, 403: "
      "refused)");
  for (int i = 0; i < kNumStatuses; i++)
    prometheus::sample (out, "sessionctx_twilio_webhook_requests_total", {
          {"code", std::to_string (kStatuses[i]).c_str ()}},
        webhook_[i].load (std::memory_order_relaxed));
  prometheus::header (out, "sessionctx_twilio_signature_refusals_total",
      "counter", "Requests refused (HTTP 403) for their X-Twilio-Signature "
      "while twilio-auth-token is set, by route and reason (missing, "
      "invalid)");
  for (int r = 0; r < kRoutes; r++)
    for (int w = 0; w < kRefusals; w++)
      prometheus::sample (out, "sessionctx_twilio_signature_refusals_total", {
            {"route", kRouteNames[r]}, {"reason", kRefusalNames[w]}},
          refused_[r][w].load (std::memory_order_relaxed));
}

}  // namespace sessionctx
