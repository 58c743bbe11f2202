#include "router/topic_keys.hpp"

namespace eventrouter {

topic_keys::topic_keys(const routing_table& table, std::string_view full_topic, const std::string& fallback) {
  // Disabled routes too: a route disabled by a reload still wrote what the topic holds.
  for (const auto& route : table.all_routes())
    (route.full_topic == full_topic ? by_type_ : elsewhere_).try_emplace(route.event_type, route.key);
  if (!fallback.empty())
    fallback_.emplace(fallback);
}

std::string topic_keys::key_of(const event& ev) const {
  const key_path* path = nullptr;
  if (auto route = by_type_.find(ev.type); route != by_type_.end())
    path = &route->second;
  else if (fallback_)
    path = &*fallback_;
  else if (auto other = elsewhere_.find(ev.type); other != elsewhere_.end())
    path = &other->second;
  if (path == nullptr)
    return {};
  auto key = path->extract(ev.data);
  return std::holds_alternative<std::string>(key) ? std::move(std::get<std::string>(key)) : std::string();
}

}  // namespace eventrouter
