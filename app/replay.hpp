#pragma once
// `eventrouter replay`: moves a consumer group back to a time or an offset, on a transport whose
// topic_access can (Kafka), and consumes from there to the end of its partitions with the
// consumer's configured sink, committing as it delivers and printing progress. Unlike the Open edX offset reset, which moves the offsets
// and then idles, the replay delivers the events itself and exits 0 once caught up.
//
// The group's partitions are shared among its members: run it while the service's consumer
// of that group is stopped, or the replay gets only its share of the partitions.

#include "config/settings.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace eventrouter {

struct replay_request {
  std::string consumer;  // a configured consumer on a Kafka topic
  std::optional<std::chrono::system_clock::time_point> from_time;
  std::optional<std::int64_t> from_offset;  // the same offset on every partition
};

// Exit code: 0 caught up; 1 the sink kept failing or Kafka failed; 2 a bad request.
int run_replay(const config::settings& settings, const replay_request& request);

}  // namespace eventrouter
