// Bridging transports with the real binary, a real redis-server and a real Kafka broker:
// events an Open edX producer wrote to a Redis stream are fanned out by the routing table to
// Kafka (route sink), and a topic sink copies a stream to Kafka as it is.

#include "eventually.hpp"
#include "kafka_broker.hpp"
#include "redis_server.hpp"
#include "service_under_test.hpp"

#include <gtest/gtest.h>


namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;

std::string kcat_topic(const std::string& topic) {
  std::string out;
  for (const auto& m : kcat_messages(topic))
    out += m + "\n";
  return out;
}

std::string bridge_config(const redis_server& redis, const std::string& prefix) {
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
      { "name": "router", "topic": "from-lms", "group_id": "bridge", "sink": { "type": "route" },
        "from_beginning": true, "poll_timeout_ms": 200 },
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

}  // namespace
}  // namespace eventrouter::testing
