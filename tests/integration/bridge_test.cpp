// Bridging transports with the real binary, a real redis-server and a real Kafka broker:
// events an Open edX producer wrote to a Redis stream are fanned out by the routing table to
// Kafka (route sink), and a topic sink copies a stream to Kafka as it is.

#include "eventually.hpp"
#include "kafka_broker.hpp"
#include "redis_server.hpp"
#include "service_under_test.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;

std::string kcat_topic(const std::string& topic) {
  std::string out;
  for (const auto& m : kcat_messages(topic))
    out += m + "\n";
  return out;
}

// `router_options`: more settings of the consumer with the route sink.
std::string bridge_config(const redis_server& redis, const std::string& prefix, const std::string& router_options = "") {
  return R"({
    "topic_prefix": ")" + prefix + R"(",
    "http": { "listen": "127.0.0.1:0" },
    "transports": {
      "redis": { "url": ")" + redis.url() + R"(" },
      "kafka": { "bootstrap_servers": ")" + shared_kafka_broker().bootstrap() + R"(" } },
    "topics": {
      "from-lms": { "transport": "redis" },
      "copy": { "transport": "kafka" } },
    "producer_config": {
      "org.openedx.learning.course.enrollment.created.v1": {
        "enrollments": { "event_key_field": "enrollment.course.course_key" },
        "from-lms": { "event_key_field": "enrollment.course.course_key" } } },
    "default_transport": "kafka",
    "consumers": [
      { "name": "router", "topic": "from-lms", "group_id": "bridge", "sink": { "type": "route" )" + router_options + R"( },
        "from_beginning": true, "poll_timeout_ms": 200, "dead_letter_topic": "router-dlq" },
      { "name": "copier", "topic": "from-lms", "group_id": "copy", "sink": { "type": "topic", "topic": "copy" },
        "from_beginning": true, "poll_timeout_ms": 200 } ]
  })";
}

TEST(bridge, events_an_open_edx_producer_wrote_to_redis_are_routed_to_kafka_with_their_attributes) {
  redis_server redis;
  const std::string prefix = "br";
  service_under_test service{bridge_config(redis, prefix)};
  redis.cli({"XADD", prefix + "-from-lms", "*", "type", "org.openedx.learning.course.enrollment.created.v1", "id",
             "enroll-42", "source", "openedx/lms/web", "time", "2024-01-02T03:04:05.000006+00:00", "minorversion", "1",
             "sourcehost", "lms-1", "sourcelib", "9.5.1", "event_data",
             R"({"enrollment": {"course": {"course_key": "course-v1:edX+D+2024"}, "mode": "audit"}})"});

  std::string routed, copied;
  EXPECT_TRUE(eventually([&] { return !(routed = kcat_topic(prefix + "-enrollments")).empty(); }, 30s))
    << service.process().stderr_text();
  EXPECT_EQ(routed,
            "course-v1:edX+D+2024|ce_type=org.openedx.learning.course.enrollment.created.v1,ce_id=enroll-42,"
            "ce_source=openedx/lms/web,ce_time=2024-01-02T03:04:05.000006+00:00,ce_specversion=1.0,"
            "ce_minorversion=1,sourcehost=lms-1,sourcelib=9.5.1,content-type=application/json,"
            "ce_datacontenttype=application/json|"
            R"({"enrollment":{"course":{"course_key":"course-v1:edX+D+2024"},"mode":"audit"}})"
            "\n");
  // Not routed back into the stream it came from: still the one entry the producer wrote.
  EXPECT_EQ(redis.cli({"XLEN", prefix + "-from-lms"}), "1");

  // The topic sink copies it as read (Redis entries carry no key).
  EXPECT_TRUE(eventually([&] { return !(copied = kcat_topic(prefix + "-copy")).empty(); }, 30s));
  EXPECT_NE(copied.find("ce_id=enroll-42,"), std::string::npos) << copied;
  EXPECT_EQ(service.consumer("router").at("delivered").to_number<int>(), 1);
  EXPECT_EQ(service.consumer("copier").at("delivered").to_number<int>(), 1);
}

// A route sink hands a poll's events to the router as one batch; the router refuses a batch
// whole, so one it cannot route must not take the others down with it.
TEST(bridge, in_a_batch_routed_together_only_the_events_the_table_refuses_are_dead_lettered) {
  redis_server redis;
  const std::string prefix = "bb";
  auto add = [&](const std::string& id, const std::string& type, const std::string& data) {
    redis.cli({"XADD", prefix + "-from-lms", "*", "type", type, "id", id, "source", "openedx/lms/web", "time",
               "2024-01-02T03:04:05Z", "event_data", data});
  };
  const std::string enrolled = "org.openedx.learning.course.enrollment.created.v1";
  const std::string course = R"({"enrollment": {"course": {"course_key": "course-v1:edX+D+2024"}}})";
  // Written before the service starts, so the first poll reads all four at once.
  add("good-1", enrolled, course);
  add("unknown-type", "org.openedx.nobody.routes.this.v1", course);
  add("no-key", enrolled, R"({"enrollment": {}})");
  add("good-2", enrolled, course);
  service_under_test service{bridge_config(redis, prefix, R"(, "concurrency": 10, "ordered": false)")};

  std::vector<std::string> routed;
  EXPECT_TRUE(eventually([&] { return (routed = kcat_messages(prefix + "-enrollments")).size() >= 2; }, 30s))
    << service.process().stderr_text();
  ASSERT_EQ(routed.size(), 2u);
  EXPECT_NE(routed[0].find("ce_id=good-1,"), std::string::npos) << routed[0];
  EXPECT_NE(routed[1].find("ce_id=good-2,"), std::string::npos) << routed[1];
  std::vector<std::string> letters;
  EXPECT_TRUE(eventually([&] { return (letters = kcat_messages(prefix + "-router-dlq")).size() >= 2; }, 30s));
  ASSERT_EQ(letters.size(), 2u);
  // Letters carry no key, so they may land on any partition: in any order.
  std::sort(letters.begin(), letters.end(),
            [](const std::string& a, const std::string& b) { return a.find("ce_id=no-key,") < b.find("ce_id=no-key,"); });
  EXPECT_NE(letters[0].find("ce_id=no-key,"), std::string::npos) << letters[0];
  EXPECT_NE(letters[1].find("ce_id=unknown-type,"), std::string::npos) << letters[1];
  EXPECT_EQ(service.consumer("router").at("delivered").to_number<int>(), 2);
}

}  // namespace
}  // namespace eventrouter::testing
