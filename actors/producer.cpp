#include "actors/producer.hpp"

#include "actors/failure.hpp"
#include "actors/router.hpp"

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
  // The router answers within publish_timeout; the margin covers the router's own queue.
  self->request(st.router, publish_timeout + std::chrono::seconds(5), route_atom::value, batch)
    .then(
      [=](const route_outcome& outcome) {
        settle(self, n);
        reply(outcome);
      },
      [=](caf::error& e) {
        settle(self, n);
        reply({route_outcome::status::unavailable, 0, {"routing failed: " + describe(e)}});
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
