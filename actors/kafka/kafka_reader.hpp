#pragma once
// One consumer's member of its Kafka consumer group: a detached actor (librdkafka's consumer
// poll blocks) that speaks to its consumer as a memory topic does, so the consumer does not
// know which transport it reads.
//
// Offsets are committed only for what the sink delivered: an ack commits, per partition, the
// offset after the highest acknowledged one; a nack seeks the partition back to the first
// event given back, so it is read again. After a crash nothing uncommitted is lost: the group
// resumes from the last commit. A message that does not decode (no ce_type or ce_id, data not
// a JSON object) is logged with topic, partition and offset, counted, and passed over: the
// next commit of its partition moves past it. It stays in Kafka, where an offset reset can
// reach it again.
//
//   (join_atom, group, consumer)                    -> bool
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

struct kafka_reader_args {
  config::kafka_settings kafka;
  std::string topic;
  decoder_factory decoder;  // how the topic's format is read back
  config::consumer_settings consumer;
  // When the service started: with from_beginning false, a new group reads what was written since.
  std::chrono::system_clock::time_point service_start;
  std::shared_ptr<consumer_stats> stats;
  metrics::registry* metrics = nullptr;
};

// Spawned by the consumer it serves, linked to it: they end together.
source_actor spawn_kafka_reader(caf::event_based_actor* consumer, kafka_reader_args args);

}  // namespace eventrouter

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::kafka_reader_args)
