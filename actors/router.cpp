#include "actors/router.hpp"

#include "actors/failure.hpp"
#include "router/batch_plan.hpp"

#include <algorithm>
#include <unordered_map>

namespace eventrouter {

namespace {

struct router_state {
  routing_ptr current;
  metrics::registry* metrics = nullptr;
  std::unordered_map<const route_target*, metrics::counter> routed;  // of current's table, filled on first use
  metrics::counter unknown_type;
  metrics::counter key_missing;
  metrics::counter schema_mismatch;
  metrics::counter from_consumers;  // events route sinks hand over (HTTP ingest counts its own)
};

using router_actor = caf::stateful_actor<router_state>*;

// One batch waiting for its topics to confirm.
struct pending_batch {
  caf::typed_response_promise<route_outcome> promise;
  std::size_t waiting_for;
  route_outcome outcome;

  void topic_done() {
    if (--waiting_for == 0)
      promise.deliver(std::move(outcome));
  }
};

void count_plan(router_actor self, const batch_plan& plan) {
  auto& st = self->state;
  st.unknown_type.add(static_cast<double>(plan.unknown_types));
  st.key_missing.add(static_cast<double>(plan.missing_keys));
  st.schema_mismatch.add(static_cast<double>(plan.schema_mismatches));
  if (!plan.ok())
    return;
  // One add per route per batch: a batch's events mostly share a few routes.
  std::vector<std::pair<const route_target*, std::size_t>> per_route;
  for (const auto* target : plan.routed) {
    auto same = std::find_if(per_route.begin(), per_route.end(), [&](const auto& p) { return p.first == target; });
    if (same == per_route.end())
      per_route.emplace_back(target, 1);
    else
      same->second++;
  }
  for (const auto& [target, events] : per_route) {
    auto it = st.routed.find(target);
    if (it == st.routed.end())
      it = st.routed.emplace(target, st.metrics->routed(target->event_type, target->full_topic)).first;
    it->second.add(static_cast<double>(events));
  }
}

caf::result<route_outcome> route(router_actor self, const event_batch& batch, std::string_view skip_topic = {}) {
  auto& st = self->state;
  // Kept by the batch: a reload while its topics confirm must not free what it routes by.
  auto routing = st.current;
  auto plan = plan_batch(*routing->table, *batch, skip_topic);
  count_plan(self, plan);
  if (!plan.ok())
    return route_outcome{route_outcome::status::rejected, 0, std::move(plan.errors), routing->generation};
  std::size_t topics_used = 0;
  for (const auto& events : plan.by_topic)
    topics_used += events.empty() ? 0 : 1;
  if (topics_used == 0)
    return route_outcome{route_outcome::status::accepted, 0, {}, routing->generation};  // every route disabled
  auto pending = std::make_shared<pending_batch>(
    pending_batch{self->make_response_promise<route_outcome>(), topics_used,
                  route_outcome{route_outcome::status::accepted, plan.routed.size(), {}, routing->generation}});
  for (std::size_t i = 0; i < plan.by_topic.size(); ++i) {
    if (plan.by_topic[i].empty())
      continue;
    auto events = std::make_shared<std::vector<keyed_event>>(std::move(plan.by_topic[i]));
    self->request(routing->topics[i], publish_timeout, publish_atom::value, topic_batch{events})
      .then(
        [pending, topic = routing->table->topics()[i]](publish_receipt& receipt) {
          pending->outcome.positions.emplace_back(topic, std::move(receipt.first_position));
          pending->topic_done();
        },
            [pending, topic = routing->table->topics()[i]](caf::error& e) {
              pending->outcome.result = route_outcome::status::unavailable;
              // The kind tells a producer a full topic from a broker that is down or slow.
              pending->outcome.errors.push_back("topic '" + topic + "' (" + to_string(kind_of(e)) +
                                                "): " + describe(e));
              pending->topic_done();
            });
  }
  return pending->promise;
}

caf::behavior router(router_actor self, routing_ptr initial, metrics::registry* metrics) {
  exit_on_exception(self, "the router");
  auto& st = self->state;
  st.current = std::move(initial);
  st.metrics = metrics;
  st.unknown_type = metrics->unrouted("unknown_type");
  st.key_missing = metrics->unrouted("key_missing");
  st.schema_mismatch = metrics->unrouted("schema_mismatch");
  st.from_consumers = metrics->received("consumer");
  return {
    [=](route_atom, const event_batch& batch) { return route(self, batch); },
    [=](route_atom, const event_batch& batch, const std::string& read_from) {
      self->state.from_consumers.add(static_cast<double>(batch->size()));
      return route(self, batch, read_from);
    },
    [=](reload_atom, routing_ptr next) {
      auto& st = self->state;
      st.current = std::move(next);
      st.routed.clear();
      return st.current->generation;
    },
  };
}

}  // namespace

caf::actor spawn_router(caf::actor_system& sys, routing_ptr initial, metrics::registry& metrics) {
  return sys.spawn(router, std::move(initial), &metrics);
}

}  // namespace eventrouter
