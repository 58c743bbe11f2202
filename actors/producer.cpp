#include "actors/producer.hpp"

#include "actors/failure.hpp"
#include "actors/router.hpp"

#include <optional>
#include <unordered_map>
#include <utility>

namespace eventrouter {

namespace {

struct producer_state {
  caf::actor router;
  std::size_t max_in_flight = 0;
  std::size_t in_flight = 0;
  metrics::counter received;
  metrics::counter overloaded;
  metrics::gauge in_flight_gauge;
  bool draining = false;
  std::vector<caf::typed_response_promise<bool>> drain_waiters;  // answered when in_flight is 0
  // Batches the router has, by number: their replies, answered here if the router goes down.
  std::unordered_map<std::uint64_t, std::pair<std::size_t, ingest_reply>> routing;
  std::uint64_t next_batch = 0;
};

using producer_actor = caf::stateful_actor<producer_state>*;

void settle(producer_actor self, std::size_t events) {
  auto& st = self->state;
  st.in_flight -= events;
  st.in_flight_gauge.sub(static_cast<double>(events));
  if (st.in_flight == 0) {
    for (auto& waiter : st.drain_waiters)
      waiter.deliver(true);
    st.drain_waiters.clear();
  }
}

// The reply of batch `id`, settled; none if the router's going down answered it already.
std::optional<ingest_reply> take(producer_actor self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.routing.find(id);
  if (it == st.routing.end())
    return std::nullopt;
  auto [events, reply] = std::move(it->second);
  st.routing.erase(it);
  settle(self, events);
  return std::move(reply);
}

void ingest(producer_actor self, const event_batch& batch, const ingest_reply& reply) {
  auto& st = self->state;
  auto n = batch->size();
  st.received.add(static_cast<double>(n));
  if (st.draining) {
    reply({route_outcome::status::unavailable, 0, {"shutting down; retry on another instance"}});
    return;
  }
  if (st.in_flight + n > st.max_in_flight) {
    st.overloaded.add();
    reply({route_outcome::status::unavailable, 0,
           {"overloaded: " + std::to_string(st.in_flight) + " events in flight, limit " +
            std::to_string(st.max_in_flight) + " (http.max_in_flight_events); retry later"}});
    return;
  }
  st.in_flight += n;
  st.in_flight_gauge.add(static_cast<double>(n));
  auto id = st.next_batch++;
  st.routing.emplace(id, std::pair{n, reply});
  // No CAF timeout: the router answers every batch within publish_timeout, and should it go
  // down, the down handler answers what it had.
  self->request(st.router, caf::infinite, route_atom::value, batch)
    .then(
      [=](const route_outcome& outcome) {
        if (auto taken = take(self, id))
          (*taken)(outcome);
      },
      [=](caf::error& e) {
        if (auto taken = take(self, id))
          (*taken)({route_outcome::status::unavailable, 0, {"routing failed: " + describe(e)}});
      });
}

caf::behavior producer(producer_actor self, std::string source, caf::actor router,
                       std::size_t max_in_flight, metrics::registry* metrics) {
  exit_on_exception(self, "the " + source + " producer");
  auto& st = self->state;
  st.router = std::move(router);
  st.max_in_flight = max_in_flight;
  st.received = metrics->received(source);
  st.overloaded = metrics->rejected("overloaded");
  st.in_flight_gauge = metrics->in_flight();
  self->monitor(st.router);
  self->set_down_handler([=](caf::down_msg& down) {
    auto& st = self->state;
    for (auto& [id, pending] : std::exchange(st.routing, {})) {
      settle(self, pending.first);
      pending.second({route_outcome::status::unavailable, 0, {"routing failed: the router stopped: " + describe(down.reason)}});
    }
  });
  return {
    [=](ingest_atom, const event_batch& batch, const ingest_reply& reply) {
      ingest(self, batch, reply);
    },
    [=](drain_atom) -> caf::result<bool> {
      auto& st = self->state;
      st.draining = true;
      if (st.in_flight == 0)
        return true;
      auto promise = self->make_response_promise<bool>();
      st.drain_waiters.push_back(promise);
      return promise;
    },
  };
}

}  // namespace

caf::actor spawn_producer(caf::actor_system& sys, std::string source, caf::actor router,
                          std::size_t max_in_flight, metrics::registry& metrics) {
  return sys.spawn(producer, std::move(source), std::move(router), max_in_flight, &metrics);
}

}  // namespace eventrouter
