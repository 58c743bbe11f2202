#include "actors/topic_sink.hpp"

#include "actors/failure.hpp"
#include "actors/messages.hpp"
#include "actors/router.hpp"

#include <caf/all.hpp>

namespace eventrouter {

void topic_sink::send(caf::event_based_actor* consumer, round deliveries) {
  auto batch = std::make_shared<std::vector<keyed_event>>();
  batch->reserve(deliveries->size());
  for (const auto& d : *deliveries)
    batch->push_back(d.item);
  consumer->request(topic_, publish_timeout, publish_atom::value, topic_batch{batch})
    .then(
      [deliveries](const publish_receipt&) {
        for (const auto& d : *deliveries)
          d.done({});
      },
      [deliveries, name = name_](caf::error& e) {
        for (const auto& d : *deliveries)
          d.done(failure(kind_of(e), "topic '" + name + "': " + describe(e)));
      });
}

}  // namespace eventrouter
