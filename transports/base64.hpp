#pragma once
// Base64 (RFC 4648, the standard alphabet, padded), as HTTP Basic authorization and Pulsar's
// WebSocket frames (payloads and message ids) carry bytes in text.

#include <optional>
#include <string>
#include <string_view>

namespace eventrouter {

std::string base64_encode(std::string_view bytes);

// The bytes of `text`, or nullopt when it is not padded base64 of the standard alphabet.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace eventrouter
