#pragma once
// A sink that publishes each event to another topic, on any transport: a Redis stream read by
// a consumer with a topic sink on Kafka bridges the two. The event keeps its id, attributes
// and key; delivered means the topic confirmed it (as for the producer's 202). A round's events
// go to the topic as one batch.

#include "actors/sink.hpp"
#include "actors/topic_protocol.hpp"

#include <caf/actor.hpp>

#include <string>

namespace eventrouter {

class topic_sink final : public gathering_sink {
 public:
  topic_sink(topic_actor topic, std::string name) : topic_(std::move(topic)), name_(std::move(name)) {}

 private:
  void send(caf::event_based_actor* consumer, round deliveries) override;

  topic_actor topic_;
  std::string name_;
};

}  // namespace eventrouter
