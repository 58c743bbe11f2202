#pragma once
// Routing a batch, without side effects: which events go to which topic with which key, or
// why the batch cannot be routed. A batch is routed whole or not at all, so a producer whose
// batch has one bad event can fix and resend it without duplicating the rest.

#include "router/event.hpp"
#include "router/routing_table.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace eventrouter {

struct batch_plan {
  std::vector<std::vector<keyed_event>> by_topic;  // indexed by routing_table topic index
  std::vector<const route_target*> routed;         // one per (event, topic) pair, for metrics
  std::vector<std::string> errors;                 // one per problem, naming event and route
  std::size_t unknown_types = 0;
  std::size_t missing_keys = 0;
  std::size_t schema_mismatches = 0;  // data that a topic in openedx format cannot write

  bool ok() const { return errors.empty(); }
};

// `skip_topic`: a full topic name no event goes to — the topic a routed event was read from,
// so that a consumer with a route sink never feeds its own topic.
batch_plan plan_batch(const routing_table& table, const std::vector<event_ptr>& events,
                      std::string_view skip_topic = {});

}  // namespace eventrouter
