// Fuzz target: a structured-mode body (application/cloudevents+json), as POST /v1/events gets it.

#include "event_round_trip.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventrouter;
  fuzz::require_parse_invariants(parse_structured(fuzz::text_of(data, size)));
  return 0;
}
