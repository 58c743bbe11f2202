#include "config/settings_diff.hpp"

#include <map>
#include <utility>

namespace eventrouter::config {

namespace {

using route_key = std::pair<std::string, std::string>;  // event type, full topic

std::map<route_key, const route*> routes_by_key(const settings& s) {
  std::map<route_key, const route*> out;
  for (const auto& r : s.routes)
    out.emplace(route_key{r.event_type, s.topics.at(r.topic).full_name}, &r);
  return out;
}

std::string describe(const route_key& key) { return key.first + " -> " + key.second; }

}  // namespace

route_diff diff_routes(const settings& before, const settings& after) {
  route_diff out;
  auto old_routes = routes_by_key(before);
  auto new_routes = routes_by_key(after);
  for (const auto& [key, r] : new_routes) {
    auto it = old_routes.find(key);
    if (it == old_routes.end())
      out.added.push_back(describe(key));
    else if (!(*it->second == *r))
      out.changed.push_back(describe(key));
  }
  for (const auto& [key, r] : old_routes)
    if (!new_routes.count(key))
      out.removed.push_back(describe(key));
  return out;
}

std::vector<std::string> restart_only_changes(const settings& before, const settings& after) {
  std::vector<std::string> out;
  if (!(before.http == after.http))
    out.push_back("$.http");
  if (!(before.memory == after.memory))
    out.push_back("$.transports.memory");
  if (!(before.reload == after.reload))
    out.push_back("$.reload");
  return out;
}

}  // namespace eventrouter::config
