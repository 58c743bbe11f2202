#pragma once
// A topic on the memory transport: one actor owning one memory_log. Producers publish
// batches; consumers poll with a deadline (a poll with nothing to read waits, like
// XREADGROUP BLOCK), then acknowledge or give entries back.
//
//   (publish_atom, topic_batch)                        -> publish_receipt | error (full)
//   (join_atom, group, consumer)                       -> bool
//   (poll_atom, group, consumer, max, timeout_ms)      -> log_entries (empty after the timeout)
//   (ack_atom | nack_atom, group, vector<uint64_t>)    -> (none)
//   (status_atom, group)                               -> uint64_t lag
//   (leave_atom, group)                                -> (none) the group is forgotten
//   (stop_atom)                                        -> (none) stops after earlier messages

#include "actors/messages.hpp"
#include "actors/topic_protocol.hpp"
#include "metrics/registry.hpp"

#include <caf/all.hpp>

#include <string>

namespace eventrouter {

// A topic, the source its consumers share, and the service's questions about its groups.
using memory_topic_actor =
  topic_actor::extend_with<source_actor>::extend<caf::replies_to<status_atom, std::string>::with<std::uint64_t>,
                                                 caf::reacts_to<leave_atom, std::string>>;

// `groups`: the consumer groups configured on this topic, created before any event arrives.
memory_topic_actor spawn_memory_topic(caf::actor_system& sys, std::string full_name, std::size_t max_len,
                                      std::vector<std::string> groups, metrics::registry& metrics);

}  // namespace eventrouter
