#include "router/routing_table.hpp"

namespace eventrouter {

routing_table::routing_table(const config::settings& settings) : prefix_(settings.topic_prefix) {
  for (const auto& [name, topic] : settings.topics) {
    topic_indexes_.emplace(topic.full_name, topics_.size());
    topics_.push_back(topic.full_name);
  }
  for (const auto& r : settings.routes) {
    const auto& full = settings.topics.at(r.topic).full_name;
    route_target target{r.event_type, r.topic, full, topic_indexes_.at(full), key_path(r.event_key_field),
                        r.enabled};
    auto& enabled = enabled_[r.event_type];  // a type whose routes are all disabled is still known
    if (r.enabled)
      enabled.push_back(target);
    all_.push_back(std::move(target));
  }
}

const std::vector<route_target>* routing_table::enabled_routes(std::string_view event_type) const {
  auto it = enabled_.find(event_type);
  return it == enabled_.end() ? nullptr : &it->second;
}

std::optional<std::size_t> routing_table::topic_index(std::string_view full_topic) const {
  auto it = topic_indexes_.find(full_topic);
  if (it == topic_indexes_.end())
    return std::nullopt;
  return it->second;
}

boost::json::object routing_table::to_json() const {
  boost::json::array routes;
  for (const auto& r : all_)
    routes.push_back({{"event_type", r.event_type},
                      {"topic", r.topic},
                      {"full_topic", r.full_topic},
                      {"event_key_field", r.key.text()},
                      {"enabled", r.enabled}});
  boost::json::array topics;
  for (const auto& t : topics_)
    topics.push_back(boost::json::string(t));
  return {{"topic_prefix", prefix_}, {"topics", std::move(topics)}, {"routes", std::move(routes)}};
}

}  // namespace eventrouter
