#include "router/routing_table.hpp"

#include "avro/openedx_schema.hpp"
#include "config/transports.hpp"
#include "router/schema_catalog.hpp"

#include <boost/json.hpp>

#include <stdexcept>

namespace eventrouter {

namespace {

std::shared_ptr<const openedx_route> openedx_route_of(const config::settings& settings, const config::route& r,
                                                      const config::topic_settings& topic,
                                                      const schema_id_lookup& registry) {
  const auto& text = settings.schemas.by_type.at(r.event_type);
  auto schema = boost::json::parse(text);
  auto key_entry = key_field_schema(schema, r.event_key_field);
  if (auto* why = std::get_if<std::string>(&key_entry))
    throw std::runtime_error("route " + r.event_type + " -> " + r.topic + ": " + *why);
  const auto& key = std::get<boost::json::value>(key_entry);
  openedx_route out{parse_checked(text, r.event_type), parse_checked(boost::json::serialize(key), r.event_key_field),
                    {}, {}};
  if (config::description_of(topic.transport).openedx_registers_schemas) {
    if (!registry)
      throw std::runtime_error("topic '" + topic.name + "' is in openedx format on Kafka, and no schema registry is set");
    out.value_header = confluent_header(registry(topic_record_subject(topic.full_name, schema), registry_text(schema)));
    out.key_header = confluent_header(registry(topic_record_subject(topic.full_name, key), registry_text(key)));
  }
  return std::make_shared<const openedx_route>(std::move(out));
}

}  // namespace

routing_table::routing_table(const config::settings& settings, const schema_id_lookup& registry)
    : prefix_(settings.topic_prefix) {
  for (const auto& [name, topic] : settings.topics) {
    topic_indexes_.emplace(topic.full_name, topics_.size());
    topics_.push_back(topic.full_name);
  }
  for (const auto& r : settings.routes) {
    const auto& topic = settings.topics.at(r.topic);
    route_target target{r.event_type, r.topic, topic.full_name, topic_indexes_.at(topic.full_name),
                        key_path(r.event_key_field), r.enabled,
                        topic.format == config::topic_format::openedx ? openedx_route_of(settings, r, topic, registry)
                                                                      : nullptr};
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
