#pragma once
// Where a consumer delivers events. A sink answers for one event at a time; the consumer
// acknowledges the event only when its sink reports success.

#include "config/settings.hpp"
#include "router/event.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace eventrouter {

struct delivery {
  const keyed_event& item;
  std::string_view topic;     // full topic name the event was read from
  std::string_view consumer;  // consumer name from the configuration
};

struct delivery_failure {
  std::string reason;
};

// std::nullopt: delivered.
using delivery_result = std::optional<delivery_failure>;

class sink {
 public:
  virtual ~sink() = default;
  virtual delivery_result deliver(const delivery& d) = 0;
};

// Makes the sink of a consumer; called again on every restart, so a restarted consumer starts
// with a fresh sink. Tests and benchmarks pass their own.
using sink_factory = std::function<std::shared_ptr<sink>(const config::consumer_settings&)>;

// The sinks the configuration can name.
sink_factory configured_sinks();

}  // namespace eventrouter
