#pragma once
// The running actor graph for one configuration: topic actors, the router, the consumer
// supervisor and the HTTP producer. main, the benchmarks and the tests build it the same way.

#include "actors/messages.hpp"
#include "actors/sink.hpp"
#include "config/settings.hpp"
#include "metrics/registry.hpp"
#include "router/routing_table.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <memory>
#include <vector>

namespace eventrouter {

class service {
 public:
  // Throws std::runtime_error when a transport client cannot be created (a Kafka producer
  // librdkafka refuses); brokers being down is not an error here, only later for requests.
  // Without `make_sink`, consumers get the sinks their configuration names.
  service(caf::actor_system& sys, const config::settings& settings, metrics::registry& metrics,
          sink_factory make_sink = {});
  ~service();

  const caf::actor& producer() const { return producer_; }
  const caf::actor& router() const { return router_; }
  const caf::actor& supervisor() const { return supervisor_; }
  const routing_table& table() const { return *table_; }

  // Graceful shutdown: waits until no ingest is in flight, then lets every consumer finish
  // what its topic holds. False when `budget` ran out first.
  bool drain(std::chrono::milliseconds budget);

 private:
  caf::actor_system& sys_;
  std::shared_ptr<const routing_table> table_;
  std::vector<caf::actor> topics_;
  caf::actor router_;
  caf::actor supervisor_;
  caf::actor producer_;
};

}  // namespace eventrouter
