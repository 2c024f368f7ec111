/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "server/localsessions.h"

#include "http/apirequest.h"
#include "server/server.h"
#include "server/sessionstats.h"
#include "wire/protocol.h"

#include <algorithm>
#include <cmath>

namespace sessionctx {
namespace {

/* A GstStructure of strings, booleans and numbers (a stats `session`) as
 * the members of a JSON object, appended to @out. */
void
append_fields (const GstStructure * st, std::string & out)
{
  const int n = gst_structure_n_fields (st);
  for (int i = 0; i < n; i++) {
    const char *name = gst_structure_nth_field_name (st, i);
    const GValue *v = gst_structure_get_value (st, name);
    std::string value;
    switch (G_VALUE_TYPE (v)) {
      case G_TYPE_STRING:
        value = json_quote (g_value_get_string (v) ? g_value_get_string (v)
            : "");
        break;
      case G_TYPE_BOOLEAN:
        value = g_value_get_boolean (v) ? "true" : "false";
        break;
      case G_TYPE_UINT:
        value = std::to_string (g_value_get_uint (v));
        break;
      case G_TYPE_INT:
        value = std::to_string (g_value_get_int (v));
        break;
      case G_TYPE_UINT64:
        value = std::to_string (g_value_get_uint64 (v));
        break;
      case G_TYPE_INT64:
        value = std::to_string (g_value_get_int64 (v));
        break;
      case G_TYPE_DOUBLE:{
        double d = g_value_get_double (v);
        if (std::isfinite (d)) {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          value = g_ascii_formatd (buf, sizeof buf, "%.9g", d);
        } else {
          value = "null";
        }
        break;
      }
      default:
        continue;               /* nothing else is in stats */
    }
    if (out.back () != '{')
      out += ',';
    out += json_quote (name);
    out += ':';
    out += value;
  }
}

std::string
media_names (const Session & s, bool sends)
{
  std::string out;
  for (MediaKind kind : kMediaKinds)
    if (sends ? s.sends (kind) : s.receives (kind))
      out += std::string (out.empty ()? "" : ",") + media_kind_name (kind);
  return out;
}

SessionDirectory::Answer
unknown_session ()
{
  return { 404, api_failed_reply (api_error::unknown_session,
          "no live session has this id") };
}

}  // namespace

std::string
session_json (const std::string & id, const Session & s)
{
  GstStructure *st = session_stats_structure (id, s);
  std::string out = "{";
  append_fields (st, out);
  if (gst_structure_has_field (st, "remote-address")) {
    /* Started: its media are fixed. */
    out += ",\"media\":" + json_quote (media_names (s, true));
    out += ",\"media-back\":" + json_quote (media_names (s, false));
  }
  gst_structure_free (st);
  out += '}';
  return out;
}

void
LocalSessions::list (Done done)
{
  auto sessions = server_.sessions_snapshot ();
  std::sort (sessions.begin (), sessions.end (),
      [](const auto & a, const auto & b) {
        return a.first < b.first;
      });
  std::string out = "{\"sessions\":[";
  for (size_t i = 0; i < sessions.size (); i++) {
    if (i)
      out += ',';
    out += session_json (sessions[i].first, *sessions[i].second);
  }
  out += "]}";
  done ({200, std::move (out)});
}

void
LocalSessions::describe (const std::string & id, Done done)
{
  auto s = server_.find_session (id);
  if (!s) {
    done (unknown_session ());
    return;
  }
  done ({200, session_json (id, *s)});
}

void
LocalSessions::act (ApiRoute route, const std::string & id, std::string body,
    Done done)
{
  auto s = server_.find_session (id);
  if (!s) {
    done (unknown_session ());
    return;
  }
  /* On the session's own thread, in order with what it does there (its
   * start, its reads, its close). */
  s->io ().invoke ([s, route, body = std::move (body), done] {
        if (s->ended ()) {
          done (unknown_session ());
          return;
        }
        bool ok = true;
        switch (route) {
          case ApiRoute::message:
            ok = s->send_text (body);
            break;
          case ApiRoute::clear:
            ok = s->clear ();
            break;
          case ApiRoute::end:
            s->close (GST_SESSION_END_REASON_API, ws::kCloseNormal,
                gst_session_end_reason_to_string (GST_SESSION_END_REASON_API));
            break;
          default:
            ok = false;
            break;
        }
        if (ok)
          done ({200, success_reply ()});
        else
          done ({409, api_failed_reply (api_error::not_started,
                      "the session does not take this now (not connected "
                      "yet, or ending)")});
      });
}

}  // namespace sessionctx
