#pragma once
// What a setting may hold when it is written to a wire as it is: an HTTP header line, a request
// line, a Redis command. A CR or LF there would end the line early and start another (a header
// value "a\r\nX-Injected: 1" is two headers), so such values are refused when they are loaded.

#include <optional>
#include <string>
#include <string_view>

namespace eventrouter::config {

// The first control character (0x00-0x1F, 0x7F) in `text`, named with where it is: "a CR (0x0D)
// at character 7"; nullopt when there is none.
std::optional<std::string> find_control_character(std::string_view text);

// An HTTP field name: a token of RFC 7230 (letters, digits and !#$%&'*+-.^_`|~), not empty.
bool is_http_token(std::string_view text);

}  // namespace eventrouter::config
