// The Kafka test harness itself (tests/support/kafka_broker.hpp) against a real broker: it
// answers metadata, creates topics with the partitions asked for, carries a message from a
// producer (acks=all) to a consumer group, and keeps it across a stop and start. Clients are
// plain librdkafka, so that a failure here points at the harness, not at eventrouter.

#include "kafka_broker.hpp"

#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace eventrouter {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// Topic and group names of their own for each test, as the broker is shared.
std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const auto salt = std::random_device{}() % 100000;
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(salt) + "-" + std::to_string(++counter);
}

struct handle_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
using handle = std::unique_ptr<rd_kafka_t, handle_deleter>;
using metadata_ptr = std::unique_ptr<const rd_kafka_metadata_t, handle_deleter>;

handle client(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& settings,
              void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr, void* opaque = nullptr) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [key, value] : settings)
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(key + ": " + err);
    }
  if (on_delivery)
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("rd_kafka_new: ") + err);
  }
  return handle(rk);
}

// The metadata of every topic, or nullptr if no answer came within `timeout`. `quiet`: no
// connection errors on stderr, where none answering is what the test expects.
metadata_ptr all_metadata(const std::string& bootstrap, std::chrono::milliseconds timeout = 10s, bool quiet = false) {
  auto rk = client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap}, {"log_level", quiet ? "0" : "6"}});
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk.get(), 1, nullptr, &md, static_cast<int>(timeout.count())) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return nullptr;
  return metadata_ptr(md);
}

// The number of partitions of `topic` in the broker's metadata, or nullopt if it has none.
std::optional<int> partitions_of(const std::string& bootstrap, const std::string& topic) {
  auto md = all_metadata(bootstrap);
  if (!md)
    return std::nullopt;
  for (int i = 0; i < md->topic_cnt; ++i)
    if (topic == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR)
      return md->topics[i].partition_cnt;
  return std::nullopt;
}

// Produces one message with acks=all and waits for its delivery report; the report's error.
rd_kafka_resp_err_t produce(const std::string& bootstrap, const std::string& topic, const std::string& value) {
  struct report {
    bool delivered = false;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
  } result;
  auto producer = client(RD_KAFKA_PRODUCER,
                         {{"bootstrap.servers", bootstrap}, {"acks", "all"}, {"message.timeout.ms", "20000"}},
                         [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
                           auto* r = static_cast<report*>(opaque);
                           r->delivered = true;
                           r->err = m->err;
                         },
                         &result);
  auto err = rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                               RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  if (err)
    return err;
  // The delivery report is served from the poll in flush, within message.timeout.ms.
  auto deadline = clock_type::now() + 30s;
  while (!result.delivered && clock_type::now() < deadline)
    rd_kafka_flush(producer.get(), 1000);
  return result.err;
}

// Consumes `topic` as a member of `group` from the earliest offset until `count` messages came
// or `timeout` passed; their values.
std::vector<std::string> consume(const std::string& bootstrap, const std::string& topic, const std::string& group,
                                 std::size_t count, std::chrono::milliseconds timeout = 30s) {
  auto consumer = client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap},
                                             {"group.id", group},
                                             {"auto.offset.reset", "earliest"},
                                             {"session.timeout.ms", "10000"}});
  rd_kafka_poll_set_consumer(consumer.get());
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  auto err = rd_kafka_subscribe(consumer.get(), topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err)
    throw std::runtime_error(std::string("subscribe: ") + rd_kafka_err2str(err));

  std::vector<std::string> values;
  auto deadline = clock_type::now() + timeout;
  while (values.size() < count && clock_type::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer.get(), 200);  // waits up to 200 ms for one
    if (!m)
      continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
      values.emplace_back(static_cast<const char*>(m->payload), m->len);
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(consumer.get());
  return values;
}

TEST(kafka_broker, the_shared_broker_answers_a_metadata_request_on_its_bootstrap_address) {
  auto& broker = testing::shared_kafka_broker();
  EXPECT_EQ(broker.bootstrap(), "127.0.0.1:" + std::to_string(broker.port()));

  auto md = all_metadata(broker.bootstrap());
  ASSERT_NE(md, nullptr);
  ASSERT_EQ(md->broker_cnt, 1);
  EXPECT_EQ(std::string(md->brokers[0].host), "127.0.0.1");
  EXPECT_EQ(md->brokers[0].port, broker.port());
}

TEST(kafka_broker, create_topic_makes_a_topic_with_the_partitions_asked_for) {
  auto& broker = testing::shared_kafka_broker();
  auto three = unique_name("three-partitions");
  auto five = unique_name("five-partitions");  // not the broker's default of 3

  broker.create_topic(three, 3);
  broker.create_topic(five, 5);

  EXPECT_EQ(partitions_of(broker.bootstrap(), three), 3);
  EXPECT_EQ(partitions_of(broker.bootstrap(), five), 5);
  EXPECT_THROW(broker.create_topic(three, 3), std::runtime_error);  // it exists
}

TEST(kafka_broker, a_produced_message_is_consumed_back_by_a_consumer_group) {
  auto& broker = testing::shared_kafka_broker();
  auto topic = unique_name("round-trip");
  broker.create_topic(topic, 3);

  ASSERT_EQ(produce(broker.bootstrap(), topic, "hello kafka"), RD_KAFKA_RESP_ERR_NO_ERROR);

  EXPECT_EQ(consume(broker.bootstrap(), topic, unique_name("group"), 1), std::vector<std::string>{"hello kafka"});
}

TEST(kafka_broker, a_topic_is_created_automatically_with_three_partitions_on_first_produce) {
  auto& broker = testing::shared_kafka_broker();
  auto topic = unique_name("auto-created");

  ASSERT_EQ(produce(broker.bootstrap(), topic, "first"), RD_KAFKA_RESP_ERR_NO_ERROR);

  EXPECT_EQ(partitions_of(broker.bootstrap(), topic), 3);
}

TEST(kafka_broker, a_message_survives_a_stop_and_start_on_the_same_port) {
  testing::kafka_broker broker;  // its own: stopping the shared one would disturb other tests
  auto topic = unique_name("restart");
  broker.create_topic(topic, 3);
  ASSERT_EQ(produce(broker.bootstrap(), topic, "kept"), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(consume(broker.bootstrap(), topic, unique_name("before"), 1), std::vector<std::string>{"kept"});
  const auto port = broker.port();
  ASSERT_TRUE(broker.running());

  broker.stop();
  EXPECT_FALSE(broker.running());
  EXPECT_EQ(all_metadata(broker.bootstrap(), 1s, true), nullptr) << "nothing answers while it is stopped";
  broker.start();

  EXPECT_TRUE(broker.running());
  EXPECT_EQ(broker.port(), port);
  EXPECT_EQ(partitions_of(broker.bootstrap(), topic), 3);
  EXPECT_EQ(consume(broker.bootstrap(), topic, unique_name("after"), 1), std::vector<std::string>{"kept"});
}

}  // namespace
}  // namespace eventrouter
