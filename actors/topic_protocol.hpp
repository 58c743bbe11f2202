#pragma once
// The two protocols of a topic, as typed actor interfaces the compiler checks: what writes a
// topic (topic_actor) and what a consumer polls (source_actor). Every transport's topic actor is
// a topic_actor. A consumer's source is the memory topic itself (its consumers share it) or, on
// a broker, a reader of its own; the consumer cannot tell them apart.
//
//   topic_actor
//     (publish_atom, topic_batch)                    -> publish_receipt | error
//     (stop_atom)                                    -> stops once the publishes under way are answered
//   source_actor
//     (join_atom, group, consumer)                   -> bool: what an earlier incarnation held is given back
//     (poll_atom, group, consumer, max, timeout_ms)  -> log_entries (empty after the timeout) | error
//     (ack_atom | nack_atom, group, offsets)         -> (none): done with, or to be read again

#include "actors/messages.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace eventrouter {

using topic_actor =
  caf::typed_actor<caf::replies_to<publish_atom, topic_batch>::with<publish_receipt>, caf::reacts_to<stop_atom>>;

using source_actor =
  caf::typed_actor<caf::replies_to<join_atom, std::string, std::string>::with<bool>,
                   caf::replies_to<poll_atom, std::string, std::string, std::size_t, std::uint32_t>::with<log_entries>,
                   caf::reacts_to<ack_atom, std::string, std::vector<std::uint64_t>>,
                   caf::reacts_to<nack_atom, std::string, std::vector<std::uint64_t>>>;

}  // namespace eventrouter
