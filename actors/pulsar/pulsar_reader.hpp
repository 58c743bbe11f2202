#pragma once
// One consumer's member of its Pulsar subscription (the consumer's group_id): Key_Shared when the
// sink keeps per-key order — the broker gives each key to one member of the group at a time —
// and Shared otherwise. It speaks to its consumer as a memory topic does, so the consumer does
// not know which transport it reads.
//
// Flow control: the subscription is in pull mode, and a poll for `max` events lets the broker
// push only up to `max` beyond what is held, so a consumer holds no more than it asked for.
// Each message is acknowledged once the sink delivered or dead-lettered its event (ack), or given
// back (nack: the broker sends it again after negative_ack_redelivery_delay). A message that
// does not decode is logged with its message id, counted, and acknowledged, so that it is not
// redelivered for ever; it stays in the topic for as long as the namespace's retention keeps it.
// A lost connection gives back what was read and not yet polled (the broker redelivers it) and
// fails the poll waiting then, so the consumer shows why.
//
//   (join_atom, group, consumer)                    -> bool
//   (poll_atom, group, consumer, max, timeout_ms)   -> log_entries | error
//   (ack_atom | nack_atom, group, vector<uint64_t>) -> (none)

#include "actors/consumer.hpp"
#include "actors/topic_protocol.hpp"
#include "config/settings.hpp"
#include "metrics/registry.hpp"
#include "transports/payload_decoders.hpp"
#include "transports/pulsar/pulsar_client.hpp"

#include <caf/all.hpp>

#include <memory>
#include <string>

namespace eventrouter {

struct pulsar_reader_args {
  std::shared_ptr<pulsar::client> client;
  std::string topic;
  decoder_factory decoder;  // how the topic's format is read back
  config::consumer_settings consumer;
  std::shared_ptr<consumer_stats> stats;
  metrics::registry* metrics = nullptr;
};

// Spawned by the consumer it serves, linked to it: they end together.
source_actor spawn_pulsar_reader(caf::event_based_actor* consumer, pulsar_reader_args args);

}  // namespace eventrouter

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::pulsar_reader_args)
