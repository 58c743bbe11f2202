#pragma once
// UTF-8 checking for text that arrives from outside: CloudEvents attributes, Avro strings
// (the spec says UTF-8; Avro C does not check), JSON that must be valid text.

#include <string_view>

namespace eventrouter {

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_utf8(std::string_view s);

}  // namespace eventrouter
