#pragma once
// The invariants every CloudEvents parser keeps, whichever mode it reads: an event it accepts,
// written back as structured JSON (as consumers and the dead-letter topic see it), parses back
// to the same event; a refusal is a message a producer can read, safe in a log line and a JSON
// body (one line of UTF-8 text).

#include "router/cloudevents.hpp"

namespace eventrouter::fuzz {

void require_parse_invariants(const parse_result& result);

}  // namespace eventrouter::fuzz
