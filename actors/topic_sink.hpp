#pragma once
// A sink that publishes each event to another topic, on any transport: a Redis stream read by
// a consumer with a topic sink on Kafka bridges the two. The event keeps its id, attributes
// and key; delivered means the topic confirmed it (as for the producer's 202).

#include "actors/sink.hpp"

#include <caf/actor.hpp>

#include <string>

namespace eventrouter {

class topic_sink final : public sink {
 public:
  topic_sink(caf::actor topic, std::string name) : topic_(std::move(topic)), name_(std::move(name)) {}
  void deliver(caf::event_based_actor* consumer, const delivery& d, delivery_done done) override;

 private:
  caf::actor topic_;
  std::string name_;
};

}  // namespace eventrouter
