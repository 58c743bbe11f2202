#pragma once
// A sink that hands each event to the router, so events an Open edX producer wrote to a stream
// are fanned out by the routing table like events posted over HTTP. The router never sends
// the event back to the topic it was read from (no loops). Delivered means every route has
// it; an event the table cannot route (unknown type, missing key, data its schema refuses) is
// a failure retrying cannot mend, so it goes to the dead-letter topic.
//
// A round's events go to the router as one batch. The router routes a batch whole or not at
// all, so a refused batch of several is routed again event by event: only the events it cannot
// route fail.

#include "actors/sink.hpp"

#include <caf/actor.hpp>

namespace eventrouter {

class route_sink final : public gathering_sink {
 public:
  explicit route_sink(caf::actor router) : router_(std::move(router)) {}

 private:
  void send(caf::event_based_actor* consumer, round deliveries) override;

  caf::actor router_;
};

}  // namespace eventrouter
