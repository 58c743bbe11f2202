#include "router/batch_plan.hpp"

namespace eventrouter {

namespace {

std::string event_label(std::size_t index, const event& ev) {
  return "event " + std::to_string(index) + " (id '" + ev.id + "')";
}

}  // namespace

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
    for (const auto& target : *targets) {
      if (target.full_topic == skip_topic)
        continue;
      auto key = target.key.extract(ev->data);
      if (auto* error = std::get_if<key_error>(&key)) {
        plan.missing_keys++;
        plan.errors.push_back(event_label(i, *ev) + ": route to topic '" + target.topic +
                              "': " + error->message);
        continue;
      }
      plan.by_topic[target.topic_index].push_back({ev, std::move(std::get<std::string>(key))});
      plan.routed.push_back(&target);
    }
  }
  return plan;
}

}  // namespace eventrouter
