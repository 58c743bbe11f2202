#pragma once
// CloudEvents 1.0 in JSON: the three modes of the HTTP binding, parsed into events, and an
// event written back as structured-mode JSON. The attributes the Open edX event bus carries
// (id, type, source, time, specversion, minorversion, sourcehost, sourcelib, datacontenttype,
// data) are the event's fields; other attributes of a structured event (string, integer or
// boolean, names of a-z, 0-9 and _) are kept as extensions. In binary mode only the Open edX
// attributes are read from ce-* headers.
//
// Every error names the attribute or position at fault, so a producer can fix its request
// from the 400 alone.

#include "router/event.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace eventrouter {

struct parse_error {
  enum class kind { malformed, too_large };
  kind reason;
  std::string message;
};

using parse_result = std::variant<std::vector<event_ptr>, parse_error>;

// Nesting deeper than this is refused (a guard against stack and time exhaustion).
constexpr std::size_t max_json_depth = 64;

// application/cloudevents+json: one event as a JSON object.
parse_result parse_structured(std::string_view body);

// application/cloudevents-batch+json: a JSON array of 1 to max_events events.
parse_result parse_batch(std::string_view body, std::size_t max_events);

// Binary mode: attributes in ce-* headers (percent-encoded as the binding says), the body is
// the data. `header` looks a header up by lower-case name.
using header_lookup = std::function<std::optional<std::string_view>(std::string_view name)>;
parse_result parse_binary(const header_lookup& header, std::string_view body);

// One event in structured mode, from its object already parsed (the body of a request, or what
// `eventrouter produce` builds from its options); the error names the attribute at fault.
// `data` is moved out of `obj`, keeping the parse's storage.
std::variant<event_ptr, std::string> event_from_object(boost::json::object& obj);

// An extension attribute of an event read from a broker (a Redis stream field or a Kafka header
// that is none of the Open edX bus's attributes): carried when structured mode would take its
// name, the last of a repeated name winning; not carried otherwise, so that what a sink gets
// names each attribute once and never shadows the event's own (found by tests/fuzz).
void carry_extension(event& ev, std::string_view name, std::string_view value);

boost::json::object to_json(const event& ev);
void append_json(std::string& out, const event& ev);  // to_json, serialized, appended
// The same with the event's key (when it has one) as the partitionkey extension attribute of
// CloudEvents' partitioning extension, as a webhook's batch carries it (ce-partitionkey in
// binary mode); an extension of that name gives way to it.
void append_json(std::string& out, const keyed_event& item);

}  // namespace eventrouter
