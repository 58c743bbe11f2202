// Fuzz target: a batch-mode body (application/cloudevents-batch+json). The first byte picks the
// batch limit (1 to 16), so that the limit is reached as often as not.

#include "event_round_trip.hpp"
#include "fuzz_check.hpp"
#include "avro/exact_json.hpp"

#include <boost/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventrouter;
  if (size == 0)
    return 0;
  std::size_t max_events = 1 + data[0] % 16;
  auto body = fuzz::text_of(data + 1, size - 1);
  auto result = parse_batch(body, max_events);
  fuzz::require_parse_invariants(result);
  if (const auto* events = std::get_if<std::vector<event_ptr>>(&result))
    fuzz::require(events->size() <= max_events, "an accepted batch has at most max_events events");
  else if (std::get<parse_error>(result).reason == parse_error::kind::too_large) {
    boost::json::parse_options options;
    options.max_depth = max_json_depth;
    boost::json::error_code ec;
    auto parsed = parse_exact(body, ec, {}, options);
    fuzz::require(!ec && parsed.as_array().size() > max_events, "too_large means more than max_events");
  }
  return 0;
}
