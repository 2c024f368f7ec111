/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cluster/clustersessions.h"

#include "http/apirequest.h"
#include "wire/protocol.h"

#include <algorithm>

namespace sessionctx {
namespace {

/* "/sessions/{id}" and the route's tail, the id percent-encoded. */
std::string
api_path (const std::string & id, const char *tail)
{
  gchar *escaped = g_uri_escape_string (id.c_str (), nullptr, FALSE);
  std::string path = std::string ("/sessions/") + escaped + tail;
  g_free (escaped);
  return path;
}

SessionDirectory::Answer
unknown_session ()
{
  return { 404, api_failed_reply (api_error::unknown_session,
          "no live session has this id") };
}

/* A session's JSON object with "instance": @url first (an answer that
 * is not an object stays as it is). */
std::string
with_instance (std::string json, const std::string & url)
{
  if (json.size () < 2 || json[0] != '{')
    return json;
  const std::string member = "\"instance\":" + json_quote (url);
  json.insert (1, json.size () > 2 ? member + "," : member);
  return json;
}

}  // namespace

void
ClusterSessions::list (Done done)
{
  std::vector<std::pair<std::string, std::string>> all =
      snapshot_ (nullptr);
  /* This instance's entries name it too. */
  std::unordered_set<std::string> here;
  for (auto &[id, json] : all) {
    here.insert (id);
    json = with_instance (std::move (json), link_.instance_url ());
  }
  for (auto &[id, entry] : link_.remote ())
    if (!here.count (id))
      all.emplace_back (id, entry.session);
  std::sort (all.begin (), all.end (), [](const auto & a, const auto & b) {
        return a.first < b.first;
      });
  std::string out = "{\"sessions\":[";
  for (size_t i = 0; i < all.size (); i++) {
    if (i)
      out += ',';
    out += all[i].second;
  }
  out += "]}";
  done ({200, std::move (out)});
}

void
ClusterSessions::describe (const std::string & id, Done done)
{
  /* Named with the instance that holds it, as in the list. */
  auto named =[&done](const std::string & url)->Done {
    return [done = std::move (done), url](Answer a) {
      if (a.status == 200)
        a.body = with_instance (std::move (a.body), url);
      done (std::move (a));
    };
  };
  if (table_.find (id)) {
    local_.describe (id, named (link_.instance_url ()));
    return;
  }
  auto entry = link_.find (id);
  if (!entry) {
    done (unknown_session ());
    return;
  }
  forwarder_.send ("GET", entry->instance, api_path (id, ""), "",
      named (entry->instance));
}

void
ClusterSessions::act (ApiRoute route, const std::string & id,
    std::string body, Done done)
{
  if (table_.find (id)) {
    local_.act (route, id, std::move (body), std::move (done));
    return;
  }
  auto entry = link_.find (id);
  if (!entry) {
    done (unknown_session ());
    return;
  }
  switch (route) {
    case ApiRoute::message:
      forwarder_.send ("POST", entry->instance, api_path (id, "/message"),
          std::move (body), std::move (done));
      break;
    case ApiRoute::clear:
      forwarder_.send ("POST", entry->instance, api_path (id, "/clear"), "",
          std::move (done));
      break;
    case ApiRoute::end:
      forwarder_.send ("DELETE", entry->instance, api_path (id, ""), "",
          std::move (done));
      break;
    default:
      done (unknown_session ());
      break;
  }
}

}  // namespace sessionctx
