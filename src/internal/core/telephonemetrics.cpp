/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/telephonemetrics.h"

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
  for (int i = 0; i < kNumStatuses; i++)
    if (kStatuses[i] == status) {
      webhook_[i].fetch_add (1, std::memory_order_relaxed);
      return;
    }
}

void
TelephoneCounters::render (std::string & out) const
{
  out += "# HELP sessionctx_twilio_webhook_requests_total Answers to "
      "Twilio's incoming-call webhook (/telephone/incoming), by HTTP status "
      "(200: TwiML; 401, 403: refused)\n"
      "# TYPE sessionctx_twilio_webhook_requests_total counter\n";
  for (int i = 0; i < kNumStatuses; i++) {
    out += "sessionctx_twilio_webhook_requests_total{code=\"";
    out += std::to_string (kStatuses[i]);
    out += "\"} ";
    out += std::to_string (webhook_[i].load (std::memory_order_relaxed));
    out += '\n';
  }
  out += "# HELP sessionctx_twilio_signature_refusals_total Requests "
      "refused (HTTP 403) for their X-Twilio-Signature while "
      "twilio-auth-token is set, by route and reason (missing, invalid)\n"
      "# TYPE sessionctx_twilio_signature_refusals_total counter\n";
  for (int r = 0; r < kRoutes; r++)
    for (int w = 0; w < kRefusals; w++) {
      out += "sessionctx_twilio_signature_refusals_total{route=\"";
      out += kRouteNames[r];
      out += "\",reason=\"";
      out += kRefusalNames[w];
      out += "\"} ";
      out += std::to_string (refused_[r][w].load (std::memory_order_relaxed));
      out += '\n';
    }
}

}  // namespace sessionctx
