#include "actors/route_sink.hpp"

#include "actors/failure.hpp"
#include "actors/messages.hpp"
#include "actors/router.hpp"

#include <caf/all.hpp>

namespace eventrouter {

namespace {

void settle(const gathering_sink::round& deliveries, const delivery_result& result) {
  for (const auto& d : *deliveries)
    d.done(result);
}

void route(caf::event_based_actor* consumer, const caf::actor& router, const std::string& read_from,
           gathering_sink::round deliveries) {
  auto events = std::make_shared<std::vector<event_ptr>>();
  events->reserve(deliveries->size());
  for (const auto& d : *deliveries)
    events->push_back(d.item.ev);
  consumer->request(router, publish_timeout + std::chrono::seconds(5), route_atom::value, event_batch{events},
                    read_from)
    .then(
      [=](const route_outcome& outcome) {
        switch (outcome.result) {
          case route_outcome::status::accepted:
            return settle(deliveries, {});
          case route_outcome::status::rejected:
            if (deliveries->size() == 1)
              return settle(deliveries, failure(errc::rejected, "routing: " + outcome.errors.front()));
            for (const auto& d : *deliveries)
              route(consumer, router, read_from, std::make_shared<const std::vector<gathering_sink::gathered>>(1, d));
            return;
          case route_outcome::status::unavailable:
            return settle(deliveries, failure(errc::sink_failed, "routing: " + outcome.errors.front()));
        }
      },
      [deliveries](caf::error& e) { settle(deliveries, failure(kind_of(e), "routing: " + describe(e))); });
}

}  // namespace

void route_sink::send(caf::event_based_actor* consumer, round deliveries) {
  route(consumer, router_, read_from(), std::move(deliveries));
}

}  // namespace eventrouter
