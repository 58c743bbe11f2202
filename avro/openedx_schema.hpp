#pragma once
// What the Open edX event bus adds around Avro in the `openedx` format, as openedx-events and
// edx-event-bus-kafka do it:
// - an event type's schema is a record named CloudEvent in the event type's namespace;
// - a Kafka key's schema is the field entry its event_key_field names inside that schema
//   (edx-event-bus-kafka's descend_avro_schema), e.g. {"name": "usage_key", "type": "string"};
// - a schema is handed to the registry as Python's json.dumps(schema, sort_keys=True) writes
//   it, so that eventrouter and Open edX services register the same text;
// - Kafka values and keys carry Confluent's framing: magic byte 0, the schema id as 4 bytes
//   big-endian, then the Avro body.

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace eventrouter {

// Why `schema` is not the schema of `event_type`; nullopt when it is.
std::optional<std::string> check_event_schema(const boost::json::value& schema, std::string_view event_type);

// The field entry that the period-separated `key_field` names in an event type's schema, or
// why there is none.
std::variant<boost::json::value, std::string> key_field_schema(const boost::json::value& schema,
                                                               std::string_view key_field);

// The registry's text of a schema: Python's json.dumps(schema, sort_keys=True), byte for byte.
std::string registry_text(const boost::json::value& schema);

// The subject of a schema under Confluent's topic-record name strategy, as confluent-kafka names
// it: <topic>-<full record name> for an event type's schema, and <topic>-string for a key field
// entry {"name": "usage_key", "type": "string"} (a primitive is named by its type).
std::string topic_record_subject(std::string_view topic, const boost::json::value& schema);

constexpr std::size_t confluent_header_size = 5;

std::string confluent_header(std::uint32_t schema_id);

struct confluent_framed {
  std::uint32_t schema_id;
  std::string_view body;
};

// The framing taken apart, or nullopt when `bytes` do not start with it.
std::optional<confluent_framed> parse_confluent_frame(std::string_view bytes);

}  // namespace eventrouter
