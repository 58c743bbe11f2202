#pragma once
// What every topic actor counts about a publish, whatever its transport: events published
// by result, and how long a batch took from reaching the topic to being durable.

#include "metrics/registry.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace eventrouter {

class publish_meter {
 public:
  using clock = std::chrono::steady_clock;

  publish_meter() = default;
  publish_meter(metrics::registry& m, const std::string& topic, const std::string& transport)
      : ok_(m.published(topic, transport, "ok")),
        error_(m.published(topic, transport, "error")),
        duration_(m.publish_duration(transport)) {}

  void succeeded(std::size_t events, clock::time_point started) const {
    ok_.add(static_cast<double>(events));
    duration_.observe(std::chrono::duration<double>(clock::now() - started).count());
  }
  void failed(std::size_t events) const { error_.add(static_cast<double>(events)); }

 private:
  metrics::counter ok_;
  metrics::counter error_;
  metrics::histogram_handle duration_;
};

}  // namespace eventrouter
