#include "router/batch_plan.hpp"

namespace eventrouter {

namespace {

std::string event_label(std::size_t index, const event& ev) {
  return "event " + std::to_string(index) + " (id '" + ev.id + "')";
}

// The value and key a route to a topic in openedx format writes. `body` is the event's data as
// Avro, made by the first such route of the event and reused by the others (they share the
// event type's schema; only the framing differs).
std::variant<std::shared_ptr<const encoded_event>, std::string> encode(const route_target& target, const event& ev,
                                                                      std::optional<std::string>& body) {
  const auto& schema = *target.openedx;
  if (!body) {
    auto value = encode_avro(schema.value, ev.data);
    if (auto* error = std::get_if<avro_error>(&value))
      return "data does not fit the schema of " + ev.type + ": " + error->message;
    body = std::move(std::get<std::string>(value));
  }
  auto found = target.key.find(ev.data);
  if (auto* error = std::get_if<key_error>(&found))
    return std::move(error->message);
  auto key = encode_avro(schema.key, *std::get<const boost::json::value*>(found));
  if (auto* error = std::get_if<avro_error>(&key))
    return "key field '" + target.key.text() + "' does not fit its schema: " + error->message;
  return std::make_shared<const encoded_event>(
    encoded_event{schema.value_header + *body, schema.key_header + std::get<std::string>(key)});
}

}  // namespace

std::variant<keyed_event, route_refusal> route_event(const route_target& target, const event_ptr& ev,
                                                     std::optional<std::string>& avro_body) {
  auto key = target.key.extract(ev->data);
  if (auto* error = std::get_if<key_error>(&key))
    return route_refusal{route_refusal::reason::missing_key, std::move(error->message)};
  std::shared_ptr<const encoded_event> encoded;
  if (target.openedx) {
    auto written = encode(target, *ev, avro_body);
    if (auto* why = std::get_if<std::string>(&written))
      return route_refusal{route_refusal::reason::schema_mismatch, std::move(*why)};
    encoded = std::move(std::get<std::shared_ptr<const encoded_event>>(written));
  }
  return keyed_event{ev, std::move(std::get<std::string>(key)), std::move(encoded)};
}

batch_plan plan_batch(const routing_table& table, const std::vector<event_ptr>& events, std::string_view skip_topic) {
  batch_plan plan;
  plan.by_topic.resize(table.topics().size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& ev = events[i];
    const auto* targets = table.enabled_routes(ev->type);
    if (targets == nullptr) {
      plan.unknown_types++;
      plan.errors.push_back(event_label(i, *ev) + ": unknown event type '" + ev->type +
                            "': producer_config has no route for it");
      continue;
    }
    std::optional<std::string> avro_body;
    for (const auto& target : *targets) {
      if (target.full_topic == skip_topic)
        continue;
      auto routed = route_event(target, ev, avro_body);
      if (auto* refusal = std::get_if<route_refusal>(&routed)) {
        (refusal->why == route_refusal::reason::missing_key ? plan.missing_keys : plan.schema_mismatches)++;
        plan.errors.push_back(event_label(i, *ev) + ": route to topic '" + target.topic + "': " + refusal->message);
        continue;
      }
      plan.by_topic[target.topic_index].push_back(std::move(std::get<keyed_event>(routed)));
      plan.routed.push_back(&target);
    }
  }
  return plan;
}

}  // namespace eventrouter
