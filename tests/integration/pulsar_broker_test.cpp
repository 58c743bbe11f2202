// The Pulsar test harness itself (tests/support/pulsar_broker.hpp, pulsar_oracle.hpp) against a
// real broker: it is ready for clients when the constructor returns, the native client oracle
// reads back exactly what it wrote (keys, properties, bytes, event times), and the messages
// survive a stop and start, and a SIGKILL and start. No eventrouter here, so that a failure
// points at the harness.

#include "pulsar_broker.hpp"
#include "pulsar_oracle.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <random>
#include <string>
#include <vector>

namespace eventrouter {
namespace {

using namespace std::chrono_literals;
using testing::pulsar_message;

// Topic names of their own for each test, as the broker is shared.
std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const auto salt = std::random_device{}() % 100000;
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(salt) + "-" + std::to_string(++counter);
}

// Three messages as an Open edX producer would write them: keyed, with properties, one with a
// payload that is not text and one with an event time.
std::vector<pulsar_message> three_messages() {
  return {
    {"course-v1:edX+DemoX+1", {{"ce_type", "org.openedx.learning.course.enrollment.created.v1"}, {"ce_id", "1"}},
     "first", 0},
    {"course-v1:edX+DemoX+2", {{"ce_type", "org.openedx.learning.course.enrollment.changed.v1"}, {"ce_id", "2"}},
     std::string("\0\x01\xff binary", 10), 1686319965320},
    {"course-v1:edX+DemoX+1", {{"ce_id", "3"}}, "third", 0},
  };
}

TEST(pulsar_broker, the_shared_broker_is_ready_with_the_default_namespace_on_its_urls) {
  auto& broker = testing::shared_pulsar_broker();

  ASSERT_TRUE(broker.running());
  EXPECT_EQ(broker.web_url(), "http://127.0.0.1:" + std::to_string(broker.web_port()));
  EXPECT_EQ(broker.service_url(), "pulsar://127.0.0.1:" + std::to_string(broker.broker_port()));
  auto namespaces = broker.admin("GET", "/admin/v2/namespaces/public");
  EXPECT_EQ(namespaces.status, 200u);
  EXPECT_NE(namespaces.body.find("\"public/default\""), std::string::npos) << namespaces.body;
  EXPECT_EQ(&testing::shared_pulsar_broker(), &broker) << "one broker per test process";
}

TEST(pulsar_broker, the_oracle_reads_back_what_it_wrote_with_keys_properties_and_event_times) {
  auto& broker = testing::shared_pulsar_broker();
  auto topic = unique_name("oracle-round-trip");

  auto ids = testing::pulsar_produce(broker, topic, three_messages());

  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(testing::pulsar_messages(broker, topic, 3), three_messages());
  // A full name is the same topic.
  EXPECT_EQ(testing::pulsar_messages(broker, "persistent://public/default/" + topic, 3), three_messages());
  // The topic is the broker's, as the admin API shows it.
  auto stats = broker.admin("GET", "/admin/v2/persistent/public/default/" + topic + "/stats");
  EXPECT_EQ(stats.status, 200u) << stats.body;
}

TEST(pulsar_broker, the_oracle_reads_what_is_there_when_fewer_messages_come_than_asked_for) {
  auto& broker = testing::shared_pulsar_broker();
  auto topic = unique_name("fewer");
  testing::pulsar_produce(broker, topic, {{"k", {}, "only one", 0}});

  EXPECT_EQ(testing::pulsar_messages(broker, topic, 2, 3s), (std::vector<pulsar_message>{{"k", {}, "only one", 0}}));
}

TEST(pulsar_broker, the_oracle_fails_with_the_clients_error_on_a_namespace_the_broker_lacks) {
  auto& broker = testing::shared_pulsar_broker();

  try {
    testing::pulsar_produce(broker, "persistent://public/no-such-namespace/" + unique_name("t"), {{"", {}, "x", 0}}, 10s);
    ADD_FAILURE() << "a produce to a namespace that does not exist succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("pulsar_oracle.py produce"), std::string::npos) << e.what();
  }
}

TEST(pulsar_broker, messages_survive_a_stop_and_start_and_a_kill_and_start_on_the_same_ports) {
  testing::pulsar_broker broker;  // its own: stopping the shared one would disturb other tests
  auto topic = unique_name("restart");
  const auto web = broker.web_url(), service = broker.service_url();
  testing::pulsar_produce(broker, topic, three_messages());

  broker.stop();
  EXPECT_FALSE(broker.running());
  EXPECT_ANY_THROW(broker.admin("GET", "/admin/v2/namespaces/public")) << "nothing answers while it is stopped";
  broker.start();

  ASSERT_TRUE(broker.running());
  EXPECT_EQ(broker.web_url(), web);
  EXPECT_EQ(broker.service_url(), service);
  EXPECT_EQ(testing::pulsar_messages(broker, topic, 3), three_messages());

  // What a crash leaves: every acknowledged message, the ones before the restart too.
  const pulsar_message fourth{"after-restart", {{"ce_id", "4"}}, "fourth", 0};
  testing::pulsar_produce(broker, topic, {fourth});
  broker.kill();
  EXPECT_FALSE(broker.running());
  broker.start();

  auto expected = three_messages();
  expected.push_back(fourth);
  EXPECT_EQ(testing::pulsar_messages(broker, topic, 4), expected);
}

}  // namespace
}  // namespace eventrouter
