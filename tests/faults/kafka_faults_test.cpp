// Faults on the Kafka path, with the real binary and a real Apache Kafka broker: eventrouter
// killed before it committed, the broker restarted mid-load, eventrouter started while the
// broker is down. Every event that got 202 reaches
// the webhook; the topic holds every one of them.

#include "fault_service.hpp"
#include "fault_tally.hpp"
#include "kafka_broker.hpp"

#include <gtest/gtest.h>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;

// A rejoining group waits out the killed member's session (6 s) before it reads again.
constexpr auto delivery_timeout = 45s;

fault_service_config kafka_service(const std::string& prefix) {
  fault_service_config config{.prefix = prefix, .transport = "kafka"};
  shared_kafka_broker().create_topic(config.topic(), 3);
  return config;
}

void expect_topic_holds_every_accepted_event(const fault_case& c) {
  EXPECT_EQ(accepted_but_not_in(c.load, ids_in_topic(c.config.topic())), std::vector<std::string>{});
}

TEST(kafka_faults, kill_9_of_eventrouter_mid_load) {
  fault_case c{kafka_service("fk-kill"), {.prefix = "kill-"}};
  auto restarted = kill_9_and_restart(c);
  expect_no_loss(settle("kafka: kill -9 of eventrouter", c.load, c.sink, restarted, delivery_timeout), c.load);
  expect_topic_holds_every_accepted_event(c);
}

// The broker stops (SIGTERM) and starts again on the same ports and data; meanwhile the
// producer's requests wait for librdkafka, which retries within message.timeout.ms.
TEST(kafka_faults, broker_restart_mid_load) {
  fault_case c{kafka_service("fk-restart"), {.prefix = "restart-"}};
  ASSERT_TRUE(c.load.await_accepted(c.load.events() / 3, 30s));
  shared_kafka_broker().stop();
  shared_kafka_broker().start();
  auto restarted = load_producer::clock::now();
  expect_no_loss(settle("kafka: broker restart", c.load, c.sink, restarted, delivery_timeout), c.load);
  expect_topic_holds_every_accepted_event(c);
}

// eventrouter starts while the broker is down, as after a power cut where it comes up first.
// Its producer makes each configured topic at start-up, before it can reach any broker; once
// the broker is back, events are accepted and delivered (librdkafka keeps asking about the
// topics), none lost.
TEST(kafka_faults, a_start_while_the_broker_is_down_delivers_once_it_is_up) {
  auto config = kafka_service("fk-late");
  shared_kafka_broker().stop();
  fault_case c{config, {.prefix = "late-"}};
  shared_kafka_broker().start();
  auto up = load_producer::clock::now();
  ASSERT_TRUE(c.load.await_accepted(c.load.events() / 3, 30s)) << c.load.accepted().size() << " accepted";
  expect_no_loss(settle("kafka: start while the broker is down", c.load, c.sink, up, delivery_timeout), c.load);
  expect_topic_holds_every_accepted_event(c);
}

}  // namespace
}  // namespace eventrouter::testing
