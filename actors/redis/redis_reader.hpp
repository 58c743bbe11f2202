#pragma once
// One consumer's reader of a Redis stream, in its consumer group: a detached actor (its own
// thread and connection, as XREADGROUP BLOCK holds a connection) that speaks the protocol a
// consumer speaks to a memory topic, so the consumer does not know which transport it reads.
//
// What a poll reads, in this order:
//   1. after a join, a reconnect or a nack: this consumer's own pending entries (XREADGROUP
//      from id 0) — whatever an earlier incarnation read and never acknowledged comes first;
//   2. every claim_idle / 2: entries pending in the group longer than claim_idle, taken over
//      with XAUTOCLAIM, so a crashed consumer's events reach the living;
//   3. new entries (XREADGROUP >), waiting up to the poll's timeout.
// Entries get local offsets; ack turns them back into stream ids for XACK. An entry that does
// not decode is counted, logged with its stream id, and left pending (it is not acknowledged
// until dead-lettering exists).
//
//   (join_atom, group, consumer)                    -> bool | error
//   (poll_atom, group, consumer, max, timeout_ms)   -> log_entries | error
//   (ack_atom | nack_atom, group, vector<uint64_t>) -> (none)

#include "actors/consumer.hpp"
#include "actors/topic_protocol.hpp"
#include "config/settings.hpp"
#include "metrics/registry.hpp"
#include "transports/payload_decoders.hpp"

#include <caf/all.hpp>

#include <memory>
#include <string>

namespace eventrouter {

struct redis_reader_args {
  config::redis_settings redis;
  std::string stream;
  decoder_factory decoder;  // how the topic's format is read back
  config::consumer_settings consumer;
  std::shared_ptr<consumer_stats> stats;
  metrics::registry* metrics = nullptr;
};

// Spawned by the consumer it serves, linked to it: they end together.
source_actor spawn_redis_reader(caf::event_based_actor* consumer, redis_reader_args args);

}  // namespace eventrouter

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::redis_reader_args)
