#pragma once
// A topic on the Kafka transport. Producing does not block (librdkafka queues), so this is an
// ordinary scheduled actor: it hands a batch to the process's producer and answers the
// publish when the delivery reports came back — accepted only once Kafka acknowledged every
// message (acks=all), failed with the first error otherwise.
//
//   (publish_atom, topic_batch)                  -> publish_receipt | error
//   (delivered_atom, batch id, error or "")      from the producer's delivery thread
//   (stop_atom)                                  -> (none) stops once earlier publishes are reported

#include "actors/messages.hpp"
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
