#pragma once
// A topic on a broker whose client writes without blocking and reports each batch later, on a
// thread of its own (Kafka's delivery reports, Pulsar's answers): an ordinary scheduled actor
// that hands a batch to the client and answers the publish when the report comes back —
// accepted only once the broker acknowledged every event, failed with the first error otherwise.
//
//   (publish_atom, topic_batch)   -> publish_receipt | error
//   (stop_atom)                   -> (none) stops once earlier publishes are reported

#include "actors/topic_protocol.hpp"
#include "metrics/registry.hpp"

#include <caf/all.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace eventrouter {

// Where a batch's first event went, in the transport's terms, or why the batch was not written.
using first_position = caf::expected<std::string>;
using delivery_report = std::function<void(first_position)>;

// Writes a batch and calls `report` once, from any thread. What the writer holds (a client) lives
// as long as the actor.
using topic_write = std::function<void(const std::vector<keyed_event>& batch, delivery_report report)>;

topic_actor spawn_broker_topic(caf::actor_system& sys, std::string topic, const std::string& transport,
                               topic_write write, metrics::registry& metrics);

}  // namespace eventrouter

// A delivery report, as the client's thread hands it to the topic actor.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caf::expected<std::string>)
