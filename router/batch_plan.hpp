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

// Why one route cannot take an event.
struct route_refusal {
  enum class reason { missing_key, schema_mismatch };
  reason why;
  std::string message;  // names the key path, or the Avro field the data does not fit
};

// What one route writes for an event (its key, and on a topic in openedx format its Avro), or
// why it cannot. plan_batch applies it to each enabled route; `eventrouter routes` to each route,
// so its dry run answers as the router would. `avro_body` carries the data's Avro from one
// openedx route of the event to the next (they share the type's schema): empty for a new event.
std::variant<keyed_event, route_refusal> route_event(const route_target& target, const event_ptr& ev,
                                                     std::optional<std::string>& avro_body);

// `skip_topic`: a full topic name no event goes to — the topic a routed event was read from,
// so that a consumer with a route sink never feeds its own topic.
batch_plan plan_batch(const routing_table& table, const std::vector<event_ptr>& events,
                      std::string_view skip_topic = {});

}  // namespace eventrouter
