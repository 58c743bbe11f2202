#pragma once
// A sink that hands each event to the router, so events an Open edX producer wrote to a stream
// are fanned out by the routing table like events posted over HTTP. The router never sends
// the event back to the topic it was read from (no loops). Delivered means every route has
// it; an event the table cannot route (unknown type, missing key) is a failure retrying
// cannot mend, so it goes to the dead-letter topic.

#include "actors/sink.hpp"

#include <caf/actor.hpp>

namespace eventrouter {

class route_sink final : public sink {
 public:
  explicit route_sink(caf::actor router) : router_(std::move(router)) {}
  void deliver(caf::event_based_actor* consumer, const delivery& d, delivery_done done) override;

 private:
  caf::actor router_;
};

}  // namespace eventrouter
