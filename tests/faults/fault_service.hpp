#pragma once
// The service of a fault case: one topic on one transport, one consumer delivering it to the
// case's webhook, on a port picked for the case so a restarted service is at the same address.
// The brokers are shared by the whole program; each case has its own topic and group.

#include "load_producer.hpp"
#include "redis_server.hpp"
#include "service_under_test.hpp"
#include "webhook_server.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace eventrouter::testing {

struct fault_service_config {
  std::string prefix;     // topic prefix and group id: one per case
  std::string transport;  // "memory", "redis", "kafka" or "pulsar"
  // The members of the "transports" section; "" for those of the program's shared Redis or Kafka
  // broker (a Pulsar case names its own broker here).
  std::string transport_settings = "";
  std::string sink_url = "";  // fault_case fills it in
  std::uint16_t port = 0;
  std::string retry = R"({ "max_attempts": 5, "backoff_ms": [20, 200] })";
  unsigned concurrency = 4;  // the sink's
  std::string consumer_extra = "";  // JSON members added to the consumer, each after a comma
  std::string sink_extra = "";      // JSON members added to the sink, each after a comma
  std::string top_extra = "";       // JSON members added to the file, each after a comma

  std::string topic() const { return prefix + "-xblocks"; }  // the full name, on the broker
};

std::string fault_config(const fault_service_config& c);

// A sink that takes every call after a millisecond of work, so the consumer falls behind the
// producer and holds events it has not acknowledged when a fault strikes.
inline webhook_server::script busy_ok() {
  return [](std::size_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return 200u;
  };
}

// The service running `config` (file <prefix>.json).
std::unique_ptr<service_under_test> start_service(const fault_service_config& config);

// A case under way: its sink, its service (on a free port unless `config` names one, sending
// to the sink), and its producer, posting from the start.
struct fault_case {
  fault_case(fault_service_config service_config, load_producer::options load_options,
             webhook_server::script answer = busy_ok());

  webhook_server sink;
  fault_service_config config;
  std::unique_ptr<service_under_test> service;
  load_producer load;
};

// The fault common to every transport: kill -9 of the service once the load got a third of its
// events accepted, then `while_down` (if given), then a new service on the same file and port.
// Returns when the new one listens: the end of the fault.
load_producer::clock::time_point kill_9_and_restart(fault_case& c, const std::function<void()>& while_down = {});

// The program's redis-server, as an operator should run it under a bus: every write in its
// append-only file before Redis answers (appendfsync always), so a crash of Redis loses no
// event it acknowledged.
redis_server& shared_redis();

// The event ids a Redis stream holds, and those a Kafka topic on the shared broker holds.
std::set<std::string> ids_in_stream(const std::string& stream);
std::set<std::string> ids_in_topic(const std::string& topic);

// The accepted ids that are not in `held`.
std::vector<std::string> accepted_but_not_in(const load_producer& load, const std::set<std::string>& held);

}  // namespace eventrouter::testing
