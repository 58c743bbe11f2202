#pragma once
// The one seam where a topic's format decides how an event's data travels: the payload of a
// Redis stream entry (event_data) and the value of a Kafka message. `json` is the JSON text of
// the data; `openedx` (Avro against the event type's schema) comes with its own issue and is
// refused by the loader until then.

#include "config/settings.hpp"
#include "router/event.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace eventrouter {

std::string encode_event_data(const event& ev, config::topic_format format);

// The data back, or an error naming what is wrong with it.
std::variant<boost::json::value, std::string> decode_event_data(std::string_view bytes, config::topic_format format);

// The content type a topic's format announces (Kafka's content-type header).
std::string_view content_type_of(config::topic_format format);

}  // namespace eventrouter
