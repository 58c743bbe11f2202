#pragma once
// An event as a Pulsar message, in the frames of Pulsar's WebSocket API: the key is the event's
// key on the topic (text, which Key_Shared subscriptions hash); the properties are the
// CloudEvents attributes under the names the Kafka layout gives its headers (ce_type, ce_id,
// ... transports/ce_attributes.hpp); the event time is the message's eventTime; the payload,
// base64 in the frame, is the data as the topic's format writes it (JSON text, or Avro of the
// event type's schema for openedx, the schemaless Avro a Redis topic carries, since Pulsar has
// no Confluent registry framing).

#include "config/settings.hpp"
#include "router/event.hpp"
#include "router/event_data.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace eventrouter::pulsar {

// A producer's frame for `item`, still open: the producer closes it with its context,
// `,"context":"<n>"}`, when it sends it.
std::string open_producer_frame(const keyed_event& item, config::topic_format format);

// The broker's answer to a producer's frame.
struct send_answer {
  std::string context;
  bool ok = false;
  std::string message_id;  // when ok
  std::string error;       // when not: the result and the broker's message
};
std::variant<send_answer, std::string> parse_send_answer(std::string_view frame);

// A message as a consumer or reader frame carries it, its payload decoded from base64.
struct received_message {
  std::string id;  // base64, as the broker names it in acknowledgements
  std::string key;
  std::vector<std::pair<std::string, std::string>> properties;
  std::string payload;
  std::string publish_time;
};
// A frame a consumer or reader received: its message, or what of the frame is wrong.
using received_frame = std::variant<received_message, std::string>;
received_frame parse_received_frame(std::string_view frame);

// The event of a message; the error names the missing or broken property, or the payload.
std::variant<keyed_event, std::string> decode_message(const received_message& m, payload_decoder& decoder);

// The frames a consumer sends: acknowledge, give back, and let the broker push `n` more.
std::string ack_frame(std::string_view message_id);
std::string negative_ack_frame(std::string_view message_id);
std::string permit_frame(std::size_t n);

}  // namespace eventrouter::pulsar
