#include "fault_service.hpp"

#include "kafka_broker.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

namespace eventrouter::testing {

namespace {

std::string transports_of(const std::string& transport) {
  if (transport == "redis")
    // A command timeout short enough that a cut shows within the case; reconnect quickly after.
    return R"("redis": { "url": ")" + shared_redis().url() +
           R"(", "command_timeout_ms": 1000, "reconnect_backoff_ms": [50, 500] })";
  if (transport == "kafka")
    // Room for a broker restart inside message.timeout.ms; a killed member leaves the group soon.
    return R"("kafka": { "bootstrap_servers": ")" + shared_kafka_broker().bootstrap() +
           R"(", "properties": { "message.timeout.ms": "30000", "session.timeout.ms": "6000",
                                   "heartbeat.interval.ms": "1000" } })";
  return "";
}

}  // namespace

std::string fault_config(const fault_service_config& c) {
  return R"({
    "topic_prefix": ")" + c.prefix + R"(",
    "default_transport": ")" + c.transport + R"(",
    "http": { "listen": "127.0.0.1:)" + std::to_string(c.port) + R"(" },
    "reload": { "watch_file": false },
    "transports": { )" + (c.transport_settings.empty() ? transports_of(c.transport) : c.transport_settings) +
         R"( },
    "producer_config": { "org.openedx.content_authoring.xblock.published.v1": {
      "xblocks": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ { "name": "hook", "topic": "xblocks", "group_id": ")" + c.prefix + R"(-hook",
      "poll_timeout_ms": 200, "retry": )" + c.retry + R"(,
      "restart_backoff_ms": [50, 500], "max_restarts": 1000,
      "sink": { "type": "http", "url": ")" + c.sink_url + R"(", "concurrency": )" + std::to_string(c.concurrency) +
         c.sink_extra + R"( } )" + c.consumer_extra + R"( } ] )" + c.top_extra + R"(
  })";
}

std::unique_ptr<service_under_test> start_service(const fault_service_config& config) {
  return std::make_unique<service_under_test>(fault_config(config), config.prefix + ".json");
}

namespace {

fault_service_config sending_to(fault_service_config config, const webhook_server& sink) {
  config.sink_url = sink.url();
  if (config.port == 0)
    config.port = free_port();
  return config;
}

}  // namespace

fault_case::fault_case(fault_service_config service_config, load_producer::options load_options,
                       webhook_server::script answer)
    : sink(std::move(answer)),
      config(sending_to(std::move(service_config), sink)),
      service(start_service(config)),
      load(config.port, std::move(load_options)) {}

load_producer::clock::time_point kill_9_and_restart(fault_case& c, const std::function<void()>& while_down) {
  EXPECT_TRUE(c.load.await_accepted(c.load.events() / 3, std::chrono::seconds(30)));
  c.service->process().signal(SIGKILL);
  EXPECT_TRUE(c.service->process().wait_exit(std::chrono::seconds(10)));
  if (while_down)
    while_down();
  c.service = start_service(c.config);
  return load_producer::clock::now();
}

redis_server& shared_redis() {
  static redis_server redis{true};
  return redis;
}

std::set<std::string> ids_in_stream(const std::string& stream) {
  // XRANGE prints each entry's stream id, then its fields and values, one per line.
  std::istringstream lines(shared_redis().cli({"XRANGE", stream, "-", "+"}));
  std::set<std::string> ids;
  for (std::string line; std::getline(lines, line);)
    if (line == "id" && std::getline(lines, line))
      ids.insert(line);
  return ids;
}

std::set<std::string> ids_in_topic(const std::string& topic) {
  std::set<std::string> ids;
  for (const auto& m : kcat_messages(topic)) {
    auto at = m.find("ce_id=");
    if (at != std::string::npos)
      ids.insert(m.substr(at + 6, m.find(',', at) - at - 6));
  }
  return ids;
}

std::vector<std::string> accepted_but_not_in(const load_producer& load, const std::set<std::string>& held) {
  std::vector<std::string> missing;
  for (const auto& [id, when] : load.accepted())
    if (!held.count(id))
      missing.push_back(id);
  return missing;
}

}  // namespace eventrouter::testing
