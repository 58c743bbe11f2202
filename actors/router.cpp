#include "actors/router.hpp"

#include "actors/deadline_list.hpp"
#include "actors/failure.hpp"
#include "router/batch_plan.hpp"

#include <algorithm>
#include <unordered_map>

namespace eventrouter {

namespace {

struct pending_batch;
using unconfirmed_list = deadline_list<std::shared_ptr<pending_batch>>;

struct router_state {
  routing_ptr current;
  std::chrono::milliseconds publish_within{publish_timeout};
  unconfirmed_list unconfirmed;  // batches whose topics have not all answered
  bool sweep_armed = false;  // a sweep_atom is on its way
  metrics::registry* metrics = nullptr;
  std::unordered_map<const route_target*, metrics::counter> routed;  // of current's table, filled on first use
  metrics::counter unknown_type;
  metrics::counter key_missing;
  metrics::counter schema_mismatch;
  metrics::counter from_consumers;  // events route sinks hand over (HTTP ingest counts its own)
};

using router_actor = caf::stateful_actor<router_state>*;

// One batch waiting for its topics to confirm, until publish_timeout.
struct pending_batch {
  caf::typed_response_promise<route_outcome> promise;
  route_outcome outcome;
  std::vector<std::string> unanswered;  // the topics yet to confirm
  unconfirmed_list::handle due;
  bool answered = false;

  // `topic` confirmed or failed (its error already in `outcome`); true when it was the last.
  bool topic_done(const std::string& topic) {
    if (answered)
      return false;  // timed out before
    std::erase(unanswered, topic);
    if (!unanswered.empty())
      return false;
    answer();
    return true;
  }

  // The publish timeout passed: the topics still silent are named in the answer.
  void time_out(std::chrono::milliseconds waited) {
    outcome.result = route_outcome::status::unavailable;
    for (const auto& topic : unanswered)
      outcome.errors.push_back("topic '" + topic + "' (" + to_string(errc::timeout) + "): no confirmation within " +
                               std::to_string(waited.count()) + " ms");
    answer();
  }

  void answer() {
    answered = true;
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

// One sweep_atom on its way while batches wait, at the time the oldest falls due.
void arm_sweep(router_actor self) {
  auto& st = self->state;
  auto due = st.unconfirmed.next_due();
  if (st.sweep_armed || !due)
    return;
  st.sweep_armed = true;
  self->delayed_send(self, std::max(*due - unconfirmed_list::clock::now(), unconfirmed_list::clock::duration{}),
                     sweep_atom::value);
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
    pending_batch{self->make_response_promise<route_outcome>(),
                  route_outcome{route_outcome::status::accepted, plan.routed.size(), {}, routing->generation}, {}, {}});
  for (std::size_t i = 0; i < plan.by_topic.size(); ++i)
    if (!plan.by_topic[i].empty())
      pending->unanswered.push_back(routing->table->topics()[i]);
  pending->due = st.unconfirmed.add(pending, unconfirmed_list::clock::now() + st.publish_within);
  arm_sweep(self);
  auto done = [self, pending](const std::string& topic) {
    if (pending->topic_done(topic))
      self->state.unconfirmed.remove(pending->due);
  };
  for (std::size_t i = 0; i < plan.by_topic.size(); ++i) {
    if (plan.by_topic[i].empty())
      continue;
    auto events = std::make_shared<std::vector<keyed_event>>(std::move(plan.by_topic[i]));
    // No CAF timeout: publish_timeout is kept in `unconfirmed` (see deadline_list).
    self->request(routing->topics[i], caf::infinite, publish_atom::value, topic_batch{events})
      .then(
        [pending, done, topic = routing->table->topics()[i]](publish_receipt& receipt) {
          if (!pending->answered)
            pending->outcome.positions.emplace_back(topic, std::move(receipt.first_position));
          done(topic);
        },
        [pending, done, topic = routing->table->topics()[i]](caf::error& e) {
          if (!pending->answered) {
            pending->outcome.result = route_outcome::status::unavailable;
            // The kind tells a producer a full topic from a broker that is down or slow.
            pending->outcome.errors.push_back("topic '" + topic + "' (" + to_string(kind_of(e)) + "): " + describe(e));
          }
          done(topic);
        });
  }
  return pending->promise;
}

caf::behavior router(router_actor self, routing_ptr initial, metrics::registry* metrics,
                     std::chrono::milliseconds publish_within) {
  exit_on_exception(self, "the router");
  auto& st = self->state;
  st.current = std::move(initial);
  st.publish_within = publish_within;
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
    [=](sweep_atom) {
      auto& st = self->state;
      st.sweep_armed = false;
      st.unconfirmed.expire(unconfirmed_list::clock::now(),
                            [&](const std::shared_ptr<pending_batch>& p) { p->time_out(st.publish_within); });
      arm_sweep(self);
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

caf::actor spawn_router(caf::actor_system& sys, routing_ptr initial, metrics::registry& metrics,
                        std::chrono::milliseconds publish_within) {
  return sys.spawn(router, std::move(initial), &metrics, publish_within);
}

}  // namespace eventrouter
