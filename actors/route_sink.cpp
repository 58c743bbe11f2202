#include "actors/route_sink.hpp"

#include "actors/failure.hpp"
#include "actors/messages.hpp"
#include "actors/router.hpp"

#include <caf/all.hpp>

namespace eventrouter {

void route_sink::deliver(caf::event_based_actor* consumer, const delivery& d, delivery_done done) {
  auto batch = std::make_shared<const std::vector<event_ptr>>(std::vector<event_ptr>{d.item.ev});
  consumer->request(router_, publish_timeout + std::chrono::seconds(5), route_atom::value, event_batch{batch},
                    std::string(d.topic))
    .then(
      [done](const route_outcome& outcome) {
        switch (outcome.result) {
          case route_outcome::status::accepted:
            return done(std::nullopt);
          case route_outcome::status::rejected:
            return done(delivery_failure{"routing: " + outcome.errors.front(), false});
          case route_outcome::status::unavailable:
            return done(delivery_failure{"routing: " + outcome.errors.front(), true});
        }
      },
      [done](caf::error& e) { done(delivery_failure{"routing: " + describe(e), true}); });
}

}  // namespace eventrouter
