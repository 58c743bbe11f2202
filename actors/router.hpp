#pragma once
// The router: fans each event of a batch out to the topic actors its enabled routes name,
// one publish per topic per batch, and answers once every topic has the events durably.
//
//   (route_atom, event_batch) -> route_outcome

#include "actors/messages.hpp"
#include "metrics/registry.hpp"
#include "router/routing_table.hpp"

#include <caf/all.hpp>

#include <memory>
#include <vector>

namespace eventrouter {

// How long a topic may take to confirm a publish before the batch is reported unavailable.
inline constexpr auto publish_timeout = std::chrono::seconds(30);

// `topics[i]` is the actor of `table->topics()[i]`.
// (route_atom, event_batch)                    -> route_outcome
// (route_atom, event_batch, read_from topic)   -> route_outcome, never publishing to read_from
caf::actor spawn_router(caf::actor_system& sys, std::shared_ptr<const routing_table> table,
                        std::vector<caf::actor> topics, metrics::registry& metrics);

}  // namespace eventrouter
