#pragma once
// A topic on the Pulsar transport: a broker topic (actors/broker_topic.hpp) with a WebSocket
// producer of its own (transports/pulsar/pulsar_producer.hpp), answered when the broker
// acknowledged every message of a batch.

#include "actors/topic_protocol.hpp"
#include "config/settings.hpp"
#include "metrics/registry.hpp"
#include "transports/pulsar/pulsar_client.hpp"

#include <caf/all.hpp>

#include <memory>
#include <string>

namespace eventrouter {

topic_actor spawn_pulsar_topic(caf::actor_system& sys, std::shared_ptr<pulsar::client> client, std::string topic,
                               config::topic_format format, metrics::registry& metrics);

}  // namespace eventrouter
