#pragma once
// A topic on the Redis transport: a detached actor (its own thread, so its blocking client
// never holds a scheduler thread) that writes batches to one stream, pipelined: every XADD of
// a batch goes out before the first reply is read. It answers a publish only once Redis
// replied to every XADD of it; any failure fails the whole batch (the producer answers 503
// and the client retries; entries already written may then appear twice — at least once).
//
// On each new connection it first creates the consumer groups configured on the stream
// (XGROUP CREATE ... MKSTREAM), so that no group misses an event published before its
// consumer started. A lost connection is retried on the next publish after a backoff that
// doubles from reconnect_backoff_ms[0] to [1]; publishes inside the backoff fail at once.
//
//   (publish_atom, topic_batch) -> publish_receipt | error
//   (stop_atom)                 -> (none) stops after earlier messages

#include "actors/messages.hpp"
#include "actors/topic_protocol.hpp"
#include "config/settings.hpp"
#include "metrics/registry.hpp"

#include <caf/all.hpp>

#include <string>
#include <vector>

namespace eventrouter {

// A consumer group to create on a stream, and where a new group starts: "$" (new entries
// only), "0" (the whole stream) or a stream id to resume after.
struct redis_group {
  std::string name;
  std::string start_id;
};

// The start id a consumer's settings ask for.
std::string start_id_of(const config::consumer_settings& consumer);

topic_actor spawn_redis_topic(caf::actor_system& sys, config::redis_settings redis, std::string stream,
                              config::topic_format format, std::vector<redis_group> groups, metrics::registry& metrics);

}  // namespace eventrouter
