#pragma once
// The checker of a fault case: what the producer got accepted against what reached the
// webhook sink (by the event id of each call it answered 2xx), as one row of the table the run
// prints at its end.

#include "load_producer.hpp"
#include "webhook_server.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace eventrouter::testing {

struct fault_result {
  std::string name;
  int posted = 0;     // events sent, retries counted again
  int accepted = 0;   // events that got 202
  int refused = 0;    // events of requests that did not, each retried by the producer
  int delivered = 0;  // distinct events the sink took
  int lost = 0;       // accepted and never delivered: must be 0
  int duplicates = 0; // deliveries past the first of an event: at-least-once allows them
  // From the end of the fault to the next delivery, and until every event accepted before
  // that end was delivered. Empty for a fault with no end (a sink failing all along).
  std::optional<std::chrono::milliseconds> recovered;
  std::optional<std::chrono::milliseconds> caught_up;
  std::vector<std::string> missing;  // the lost ids, for the failure message
};

// Waits until the producer is done and every event it got accepted reached the sink, or
// `timeout` passed; then counts, and adds the row to the table.
fault_result settle(const std::string& name, load_producer& load, const webhook_server& sink,
                    std::optional<load_producer::clock::time_point> fault_end,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

// The promise of every case: the producer got every event accepted in the end, retrying what
// was refused, and every accepted event reached the sink. Prints why requests were refused.
void expect_no_loss(const fault_result& result, const load_producer& load);

}  // namespace eventrouter::testing
