// Faults on the Kafka path, with the real binary and a real Apache Kafka broker: eventrouter
// killed before it committed, the broker restarted mid-load. Every event that got 202 reaches
// the webhook; the topic holds every one of them.

#include "fault_service.hpp"
#include "fault_tally.hpp"
#include "kafka_broker.hpp"

#include <gtest/gtest.h>

namespace eventrouter::testing {
namespace {

fault_service_config kafka_case(const std::string& prefix, const webhook_server& sink) {
  fault_service_config config{.prefix = prefix, .transport = "kafka", .sink_url = sink.url(), .port = free_port()};
  shared_kafka_broker().create_topic(config.topic(), 3);
  return config;
}

TEST(kafka_faults, kill_9_of_eventrouter_mid_load) {
  webhook_server sink{busy_ok()};
  auto config = kafka_case("fk-kill", sink);
  auto service = start_service(config);
  load_producer load{config.port, {.prefix = "kill-"}};
  auto restarted = kill_9_and_restart(service, config, load);
  auto result = settle("kafka: kill -9 of eventrouter", load, sink, restarted, std::chrono::seconds(45));
  expect_no_loss(result, load);
  EXPECT_EQ(accepted_but_not_in(load, ids_in_topic(config.topic())), std::vector<std::string>{});
}

// The broker stops (SIGTERM) and starts again on the same ports and data; meanwhile the
// producer's requests wait for librdkafka, which retries within message.timeout.ms.
TEST(kafka_faults, broker_restart_mid_load) {
  webhook_server sink{busy_ok()};
  auto config = kafka_case("fk-restart", sink);
  auto service = start_service(config);
  load_producer load{config.port, {.prefix = "restart-"}};
  ASSERT_TRUE(load.await_accepted(load.events() / 3, std::chrono::seconds(30)));
  shared_kafka_broker().stop();
  shared_kafka_broker().start();
  auto restarted = load_producer::clock::now();
  auto result = settle("kafka: broker restart", load, sink, restarted, std::chrono::seconds(45));
  expect_no_loss(result, load);
  EXPECT_EQ(accepted_but_not_in(load, ids_in_topic(config.topic())), std::vector<std::string>{});
}

}  // namespace
}  // namespace eventrouter::testing
