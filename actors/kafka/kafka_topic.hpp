#pragma once
// A topic on the Kafka transport: a broker topic (actors/broker_topic.hpp) that hands each
// batch to the process's producer (librdkafka queues, so nothing blocks) and is answered by its
// delivery reports — accepted once Kafka acknowledged every message (acks=all).

#include "actors/topic_protocol.hpp"
#include "config/settings.hpp"
#include "metrics/registry.hpp"
#include "transports/kafka/kafka_producer.hpp"

#include <caf/all.hpp>

#include <memory>
#include <string>

namespace eventrouter {

topic_actor spawn_kafka_topic(caf::actor_system& sys, std::shared_ptr<kafka::producer> producer, std::string topic,
                              config::topic_format format, metrics::registry& metrics);

}  // namespace eventrouter
