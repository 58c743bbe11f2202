#pragma once
// UTF-8 checking for text that arrives from outside: CloudEvents attributes, Avro strings
// (the spec says UTF-8; Avro C does not check), JSON that must be valid text.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventrouter {

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_utf8(std::string_view s);

// Why name/value pairs read from a broker (Redis stream fields, Kafka headers: any bytes) cannot
// be an event's attributes, which a sink gets as JSON strings: "<what> 'id' is not UTF-8", or
// nullopt when every name and value is UTF-8. The value of the pair named `payload`, if given, is
// not checked: it is the event's data in the topic's format (Avro is bytes), for its decoder.
std::optional<std::string> pair_not_utf8(const std::vector<std::pair<std::string, std::string>>& pairs,
                                         std::string_view what, std::string_view payload = {});

}  // namespace eventrouter
