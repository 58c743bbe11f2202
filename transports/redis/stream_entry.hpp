#pragma once
// An event as a Redis stream entry, in the layout of the Open edX Redis event bus
// (edx-event-bus-redis): fields type, id, source, time, minorversion, sourcehost, sourcelib,
// then event_data, encoded as the topic's format says (router/event_data.hpp).

#include "config/settings.hpp"
#include "router/event.hpp"
#include "router/event_data.hpp"

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace eventrouter {

using stream_field = std::pair<std::string_view, std::string_view>;

// Every field of the entry, in order (the extensions last); views into `ev` and `event_data`.
std::vector<stream_field> stream_fields(const event& ev, const std::string& event_data);

// An entry read back. `id` and `event_data` and `type` are required (the Open edX consumer
// requires id; eventrouter routes by type); the other attributes default as an event's do;
// other fields become extensions. The error names the missing or broken field.
std::variant<event_ptr, std::string> decode_stream_entry(const std::vector<std::pair<std::string, std::string>>& fields,
                                                         payload_decoder& decoder);

}  // namespace eventrouter
