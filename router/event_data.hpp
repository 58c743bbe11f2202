#pragma once
// The one seam where a topic's format decides how an event's data and key travel: the
// event_data field of a Redis stream entry, and the value and key of a Kafka message.
// - json: the JSON text of the data; the key as text.
// - openedx: Avro with the event type's schema (avro/openedx_schema.hpp), written when the
//   event is routed (keyed_event::encoded) and read by a payload_decoder that knows the schemas.

#include "config/settings.hpp"
#include "router/event.hpp"
#include "router/schema_catalog.hpp"

#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace eventrouter {

// The value and the key a topic of `format` writes for an event. Throws std::invalid_argument for
// an event bound for a topic in openedx format that no route encoded (only routes know the key's
// schema; the loader lets nothing else write there).
std::string wire_value(const keyed_event& item, config::topic_format format);
std::string_view wire_key(const keyed_event& item);

// The content type a topic's format announces (Kafka's content-type header).
std::string_view content_type_of(config::topic_format format);

struct decode_error {
  std::string message;  // what is wrong, naming the Avro field where there is one
};

// Reads what one reader consumes back into data and keys. Each reader has its own, used by one
// thread at a time, so a decoder may learn and cache (a registry's schemas by id) without locks.
class payload_decoder {
 public:
  virtual ~payload_decoder() = default;
  // The data of an event of `event_type`: a JSON object.
  virtual std::variant<boost::json::value, decode_error> data(std::string_view bytes, std::string_view event_type) = 0;
  // The key as text.
  virtual std::variant<std::string, decode_error> key(std::string_view bytes) { return std::string(bytes); }
};

std::unique_ptr<payload_decoder> json_decoder();
// Redis topics in openedx format: event_data is schemaless Avro of the event type's schema.
std::unique_ptr<payload_decoder> schema_catalog_decoder(schema_catalog_ptr catalog);

}  // namespace eventrouter
