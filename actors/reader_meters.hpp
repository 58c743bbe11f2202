#pragma once
// What every broker reader reports whatever its transport: the messages it passed over as
// malformed, and its group's lag, to /metrics and (through the consumer's stats, which outlive
// each incarnation) to /v1/consumers. And the bookkeeping readers share: the broker's own names
// of what a consumer holds, by the local offsets the consumer acknowledges with.

#include "actors/consumer.hpp"
#include "metrics/registry.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace eventrouter {

class reader_meters {
 public:
  reader_meters() = default;
  reader_meters(metrics::registry& metrics, const std::string& consumer, std::shared_ptr<consumer_stats> stats)
      : malformed_(metrics.consumer_messages(consumer, "malformed")),
        lag_(metrics.consumer_lag(consumer)),
        stats_(std::move(stats)) {}

  void malformed() const {
    stats_->malformed++;
    malformed_.add();
  }

  void lag(std::uint64_t messages) const {
    lag_.set(static_cast<double>(messages));
    stats_->lag.store(static_cast<std::int64_t>(messages), std::memory_order_relaxed);
  }

 private:
  metrics::counter malformed_;
  metrics::gauge lag_;
  std::shared_ptr<consumer_stats> stats_;
};

// What these local offsets stand for, taken out of `in_flight`. An offset that is not there was
// read before a reconnect (or from a partition revoked since): the broker sends it again.
template <class Position>
std::vector<Position> take_in_flight(std::unordered_map<std::uint64_t, Position>& in_flight,
                                     const std::vector<std::uint64_t>& offsets) {
  std::vector<Position> out;
  out.reserve(offsets.size());
  for (auto offset : offsets)
    if (auto it = in_flight.find(offset); it != in_flight.end()) {
      out.push_back(std::move(it->second));
      in_flight.erase(it);
    }
  return out;
}

}  // namespace eventrouter
