#include "actors/topic_sink.hpp"

#include "actors/failure.hpp"
#include "actors/messages.hpp"
#include "actors/router.hpp"

#include <caf/all.hpp>

namespace eventrouter {

void topic_sink::deliver(caf::event_based_actor* consumer, const delivery& d, delivery_done done) {
  auto batch = std::make_shared<std::vector<keyed_event>>();
  batch->push_back(d.item);
  consumer->request(topic_, publish_timeout, publish_atom::value, topic_batch{batch})
    .then([done](std::uint64_t) { done(std::nullopt); },
          [done, name = name_](caf::error& e) { done(delivery_failure{"topic '" + name + "': " + describe(e)}); });
}

}  // namespace eventrouter
