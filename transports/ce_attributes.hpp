#pragma once
// An event as a message of a broker that carries named attributes beside its key and value, as
// the Open edX Kafka event bus (edx-event-bus-kafka) writes it: key = the event's key on the
// topic; value = the data, encoded as the topic's format says (router/event_data.hpp);
// attributes ce_type, ce_id, ce_source, ce_time, ce_specversion, ce_minorversion, sourcehost,
// sourcelib, content-type and ce_datacontenttype, UTF-8. Kafka carries them as headers, Pulsar
// as properties: the same names, so that a consumer of either reads the other's layout.

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

using ce_attribute = std::pair<std::string_view, std::string_view>;

// Every attribute, in order (the extensions last); views into `ev` (and static strings).
std::vector<ce_attribute> ce_attributes(const event& ev, config::topic_format format);

// A message read back. ce_type and ce_id are required; the other attributes default as an
// event's do; other attributes become extensions. The error names the missing or broken
// attribute, calling it `noun` ("header", "property"), or the value.
std::variant<event_ptr, std::string> decode_ce_record(const std::vector<std::pair<std::string, std::string>>& attributes,
                                                      std::string_view value, payload_decoder& decoder,
                                                      std::string_view noun);

// The same with the message's key, read back to text.
std::variant<keyed_event, std::string> decode_ce_message(
  const std::vector<std::pair<std::string, std::string>>& attributes, std::string_view key, std::string_view value,
  payload_decoder& decoder, std::string_view noun);

}  // namespace eventrouter
