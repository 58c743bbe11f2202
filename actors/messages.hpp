#pragma once
// The vocabulary the actors speak: atoms and the payloads they carry. Payloads that cross
// actors are immutable and shared by pointer, so a batch is never copied on its way through.

#include "router/event.hpp"
#include "transports/memory/memory_log.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace eventrouter {

// Atoms: at most 10 characters each (CAF 0.17).
using ingest_atom = caf::atom_constant<caf::atom("ingest")>;
using route_atom = caf::atom_constant<caf::atom("route")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using ack_atom = caf::atom_constant<caf::atom("ack")>;
using nack_atom = caf::atom_constant<caf::atom("nack")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using delivered_atom = caf::atom_constant<caf::atom("delivered")>;
using redeliver_atom = caf::atom_constant<caf::atom("redeliver")>;
using reload_atom = caf::atom_constant<caf::atom("reload")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

// A batch of ingested events, as one producer request handed them over.
using event_batch = std::shared_ptr<const std::vector<event_ptr>>;

// Events bound for one topic, keys extracted. Unlike the other payloads it is not shared:
// the router makes one per topic and the topic it is sent to takes its events (moves them
// into its log), which saves a copy of every key.
using topic_batch = std::shared_ptr<std::vector<keyed_event>>;

// What a topic answers when it has a batch durably: how many events, and where the first one
// is, in the transport's own terms ("offset 12" in memory, the stream entry id on Redis,
// "partition 0 offset 41" on Kafka), for an operator to find it (`eventrouter produce`, the
// answer to POST /v1/events).
struct publish_receipt {
  std::uint64_t events = 0;
  std::string first_position;
};

// What the router answers for a batch: accepted once every enabled route has every event
// durably; rejected (nothing published) when an event cannot be routed; unavailable when a
// topic refused or failed, so the producer may retry.
struct route_outcome {
  enum class status { accepted, rejected, unavailable };
  status result = status::accepted;
  std::size_t deliveries = 0;       // (event, topic) pairs published
  std::vector<std::string> errors;  // one line per problem, naming the event and route
  std::uint64_t generation = 0;     // of the configuration that routed the batch
  // Accepted: per topic (full name) written to, where the batch's first event for it went.
  std::vector<std::pair<std::string, std::string>> positions = {};
};

// Completes an ingest request outside the actor system (the HTTP connection's responder).
using ingest_reply = std::function<void(const route_outcome&)>;

// Entries a consumer polled from a memory topic.
using log_entry = memory_log::entry;
using log_entries = std::vector<log_entry>;

// A consumer's state as /v1/consumers shows it.
struct consumer_status {
  std::string name;
  std::string topic;
  std::string group;
  std::string state;  // running, restarting, stopped
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
  unsigned consecutive_errors = 0;
  unsigned restarts = 0;
  std::uint64_t malformed = 0;  // entries that could not be decoded (left pending)
  std::string last_error;
  std::optional<std::uint64_t> lag;  // Redis and Kafka, once read
};
using consumer_statuses = std::vector<consumer_status>;

}  // namespace eventrouter

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::event_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::event_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::topic_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::route_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::publish_receipt)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::ingest_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::log_entries)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::consumer_statuses)
