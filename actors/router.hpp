#pragma once
// The router: fans each event of a batch out to the topic actors its enabled routes name,
// one publish per topic per batch, and answers once every topic has the events durably.
// A reload swaps its routing between two messages, so each batch is routed wholly by one
// configuration generation, which its answer names.
//
//   (route_atom, event_batch)                    -> route_outcome
//   (route_atom, event_batch, read_from topic)   -> route_outcome, never publishing to read_from
//   (reload_atom, routing_ptr)                   -> generation, once later batches use it

#include "actors/messages.hpp"
#include "actors/topic_protocol.hpp"
#include "metrics/registry.hpp"
#include "router/routing_table.hpp"

#include <caf/all.hpp>

#include <memory>
#include <vector>

namespace eventrouter {

// How long a topic may take to confirm a publish before the batch is reported unavailable.
inline constexpr auto publish_timeout = std::chrono::seconds(30);

// One configuration generation's routing: `topics[i]` is the actor of `table->topics()[i]`.
struct routing {
  std::uint64_t generation = 1;
  std::shared_ptr<const routing_table> table;
  std::vector<topic_actor> topics;
};
using routing_ptr = std::shared_ptr<const routing>;

// `publish_within`: publish_timeout, shorter in tests.
caf::actor spawn_router(caf::actor_system& sys, routing_ptr initial, metrics::registry& metrics,
                        std::chrono::milliseconds publish_within = publish_timeout);

}  // namespace eventrouter

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::routing_ptr)
