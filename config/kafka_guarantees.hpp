#pragma once
// The librdkafka properties eventrouter sets itself, because its delivery guarantees rest on
// them. The Kafka clients set them (transports/kafka/kafka_producer, kafka_consumer); the loader
// refuses them in transports.kafka.properties, and makes a client with them and the operator's
// properties to check that the two go together (config/kafka_section.cpp).

#include <array>
#include <string_view>
#include <utility>

namespace eventrouter::config::kafka_guarantees {

using property = std::pair<std::string_view, std::string_view>;

// The producer: idempotent (no duplicates from its own retries, order kept per partition), and
// a message counts as written only once every in-sync replica has it.
inline constexpr std::array<property, 2> producer{{{"enable.idempotence", "true"}, {"acks", "all"}}};

// A group member: it stores and commits, by hand, only offsets after delivered events; cooperative
// rebalancing, so that a rebalance revokes only the partitions that move.
inline constexpr std::array<property, 3> consumer{{{"enable.auto.commit", "false"},
                                                   {"enable.auto.offset.store", "false"},
                                                   {"partition.assignment.strategy", "cooperative-sticky"}}};

// Set per client from other settings: where the cluster is, and the consumer group.
inline constexpr std::array<std::string_view, 2> per_client{"bootstrap.servers", "group.id"};

}  // namespace eventrouter::config::kafka_guarantees
