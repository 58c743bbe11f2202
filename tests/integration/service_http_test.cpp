// The real eventrouter binary on the memory transport: events posted over HTTP in every
// CloudEvents mode reach the log sinks once per enabled route, the endpoints and metrics say
// what happened, and SIGTERM drains before exiting 0. (Bad input: the corpus in tests/bad_input.)
// Start-up refuses what it cannot serve (a schema registry out of reach) with the reason.

#include "redis_server.hpp"
#include "service_under_test.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <filesystem>
#include <set>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr auto published_type = xblock_published_type;
constexpr auto enrollment_type = "org.openedx.learning.course.enrollment.created.v1";

constexpr auto service_config = R"({
  // Two enabled routes and one disabled for xblock.published; one route for enrollments.
  "topic_prefix": "it",
  "http": { "listen": "127.0.0.1:0", "max_body_bytes": 65536, "max_batch_events": 10 },
  "producer_config": {
    "org.openedx.content_authoring.xblock.published.v1": {
      "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key" },
      "xblock-published": { "event_key_field": "xblock_info.usage_key", "enabled": true },
      "xblock-disabled": { "event_key_field": "xblock_info.usage_key", "enabled": false },
    },
    "org.openedx.learning.course.enrollment.created.v1": {
      "enrollment-lifecycle": { "event_key_field": "enrollment.course.course_key" }
    }
  },
  "consumers": [
    { "name": "lifecycle-log", "topic": "xblock-lifecycle", "group_id": "g-lifecycle", "sink": { "type": "log" } },
    { "name": "published-log", "topic": "xblock-published", "group_id": "g-published", "sink": { "type": "log" } },
    { "name": "enrollment-log", "topic": "enrollment-lifecycle", "group_id": "g-enrollment", "sink": { "type": "log" } },
  ],
})";

json::object enrollment_event(const std::string& id, const std::string& course_key) {
  return {{"specversion", "1.0"},
          {"type", enrollment_type},
          {"id", id},
          {"source", "openedx/lms/web"},
          {"data", {{"enrollment", {{"course", {{"course_key", course_key}}}, {"mode", "audit"}}}}}};
}

const header_list& structured = structured_mode;
const header_list& batch = batch_mode;

class service_http : public ::testing::Test {
 protected:
  service_under_test service{service_config};

  http_reply post(const header_list& headers, const std::string& body) { return service.post(headers, body); }

  std::vector<json::object> delivered(const std::string& id, std::size_t n) { return service.delivered(id, n); }

  std::uint64_t delivered_by(const std::string& consumer) {
    return service.consumer(consumer).at("delivered").to_number<std::uint64_t>();
  }
};

TEST_F(service_http, a_structured_event_reaches_the_sink_of_every_enabled_route_with_its_key) {
  auto reply = post(structured, json::serialize(xblock_published_event("ev-1", "block-v1:edX+D+1+type@problem+block@a")));
  ASSERT_EQ(reply.status, 202u) << reply.body;

  auto lines = delivered("ev-1", 2);
  ASSERT_EQ(lines.size(), 2u);
  std::set<std::string> topics;
  for (const auto& line : lines) {
    topics.insert(std::string(line.at("topic").as_string()));
    EXPECT_EQ(line.at("key").as_string(), "block-v1:edX+D+1+type@problem+block@a");
    const auto& ev = line.at("event").as_object();
    EXPECT_EQ(ev.at("type").as_string(), published_type);
    EXPECT_EQ(ev.at("source").as_string(), "openedx/cms/web");
    EXPECT_EQ(ev.at("sourcehost").as_string(), "cms.example");
    EXPECT_EQ(ev.at("data").at("xblock_info").at("block_type").as_string(), "problem");
  }
  EXPECT_EQ(topics, (std::set<std::string>{"it-xblock-lifecycle", "it-xblock-published"}));
  EXPECT_EQ(delivered_by("lifecycle-log"), 1u);
  EXPECT_EQ(delivered_by("published-log"), 1u);
  EXPECT_EQ(delivered_by("enrollment-log"), 0u);
}

TEST_F(service_http, a_binary_mode_event_is_delivered_like_a_structured_one) {
  auto reply = post({{"content-type", "application/json"},
                     {"ce-specversion", "1.0"},
                     {"ce-type", enrollment_type},
                     {"ce-id", "ev-binary"},
                     {"ce-source", "openedx/lms/web"},
                     {"ce-time", "2024-01-02T03:04:05Z"},
                     {"ce-minorversion", "2"}},
                    R"({"enrollment": {"course": {"course_key": "course-v1:edX+D+2024"}}})");
  ASSERT_EQ(reply.status, 202u) << reply.body;
  auto lines = delivered("ev-binary", 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("topic").as_string(), "it-enrollment-lifecycle");
  EXPECT_EQ(lines[0].at("key").as_string(), "course-v1:edX+D+2024");
  EXPECT_EQ(lines[0].at("event").at("time").as_string(), "2024-01-02T03:04:05Z");
  EXPECT_EQ(lines[0].at("event").at("minorversion").as_string(), "2");
}

TEST_F(service_http, a_batch_is_routed_event_by_event) {
  json::array events{xblock_published_event("b-1", "k1"), enrollment_event("b-2", "course-v1:x+y+z"),
                     xblock_published_event("b-3", "k3")};
  auto reply = post(batch, json::serialize(events));
  ASSERT_EQ(reply.status, 202u) << reply.body;
  EXPECT_EQ(delivered("b-1", 2).size(), 2u);
  EXPECT_EQ(delivered("b-2", 1).size(), 1u);
  EXPECT_EQ(delivered("b-3", 2).size(), 2u);
  EXPECT_EQ(json::parse(reply.body).at("accepted").to_number<int>(), 3);
}

TEST_F(service_http, the_endpoints_describe_the_running_service) {
  EXPECT_EQ(http_request(service.port(), "GET", "/healthz").status, 200u);
  EXPECT_EQ(http_request(service.port(), "GET", "/readyz").status, 200u);
  EXPECT_EQ(http_request(service.port(), "GET", "/nowhere").status, 404u);
  EXPECT_EQ(http_request(service.port(), "GET", "/v1/events").status, 405u);

  auto routes = json::parse(http_request(service.port(), "GET", "/v1/routes").body);
  std::set<std::string> seen;
  for (const auto& r : routes.at("routes").as_array())
    seen.insert(std::string(r.at("full_topic").as_string()) + (r.at("enabled").as_bool() ? "" : " (disabled)"));
  EXPECT_EQ(seen, (std::set<std::string>{"it-xblock-lifecycle", "it-xblock-published",
                                         "it-xblock-disabled (disabled)", "it-enrollment-lifecycle"}));

  auto list = service.consumers();
  ASSERT_EQ(list.size(), 3u);
  for (const auto& c : list) {
    EXPECT_EQ(c.at("state").as_string(), "running");
    for (auto field : {"topic", "group", "delivered", "failed", "consecutive_errors", "restarts"})
      EXPECT_TRUE(c.as_object().contains(field)) << field;
  }
  EXPECT_EQ(list[0].at("topic").as_string(), "it-xblock-lifecycle");
  EXPECT_EQ(list[0].at("group").as_string(), "g-lifecycle");
}

TEST_F(service_http, metrics_count_what_was_received_routed_published_and_delivered) {
  ASSERT_EQ(post(structured, json::serialize(xblock_published_event("m-1", "k"))).status, 202u);
  ASSERT_EQ(post(structured, json::serialize(enrollment_event("m-2", "c"))).status, 202u);
  auto unknown = xblock_published_event("m-3", "k");
  unknown["type"] = "org.openedx.nothing.here.v1";
  ASSERT_EQ(post(structured, json::serialize(unknown)).status, 400u);
  ASSERT_EQ(delivered("m-1", 2).size(), 2u);
  ASSERT_EQ(delivered("m-2", 1).size(), 1u);

  auto reply = http_request(service.port(), "GET", "/metrics");
  ASSERT_EQ(reply.status, 200u);
  EXPECT_NE(reply.headers["content-type"].find("text/plain"), std::string::npos);
  const auto& text = reply.body;
  for (auto series : {
         R"(eventrouter_events_received_total{source="http"} 3)",
         R"(eventrouter_events_routed_total{event_type="org.openedx.content_authoring.xblock.published.v1",topic="it-xblock-lifecycle"} 1)",
         R"(eventrouter_events_routed_total{event_type="org.openedx.learning.course.enrollment.created.v1",topic="it-enrollment-lifecycle"} 1)",
         R"(eventrouter_events_unrouted_total{reason="unknown_type"} 1)",
         R"(eventrouter_events_published_total{result="ok",topic="it-xblock-published",transport="memory"} 1)",
         R"(eventrouter_consumer_messages_total{consumer="lifecycle-log",outcome="ok"} 1)",
         R"(eventrouter_consumer_restarts_total{consumer="enrollment-log"} 0)",
       })
    EXPECT_NE(text.find(series), std::string::npos) << "missing: " << series << "\n" << text;
}

TEST_F(service_http, sigterm_delivers_every_accepted_event_and_exits_zero) {
  json::array events;
  for (int i = 0; i < 10; ++i)
    events.push_back(xblock_published_event("drain-" + std::to_string(i), "k"));
  for (int round = 0; round < 5; ++round)
    ASSERT_EQ(post(batch, json::serialize(events)).status, 202u);
  service.process().signal(SIGTERM);
  auto status = service.process().wait_exit(20s);
  ASSERT_TRUE(status) << "did not exit after SIGTERM";
  EXPECT_EQ(*status, 0) << service.process().stderr_text();
  std::size_t lines = 0;
  for (const auto& l : service.process().stdout_lines())
    lines += l.find("\"drain-") != std::string::npos ? 1 : 0;
  EXPECT_EQ(lines, 5u * 10u * 2u);  // every accepted event, once per enabled route
}

TEST(check_config, a_valid_file_exits_zero_and_a_broken_one_lists_every_problem) {
  {
    service_process good{EVENTROUTER_BINARY, {"check-config", EVENTROUTER_SOURCE_DIR "/config/examples/local.json"}};
    EXPECT_EQ(good.wait_exit(20s), 0) << good.stderr_text();
  }
  auto bad = write_temp("bad.json", R"({
    "tpoic_prefix": "x",
    "producer_config": { "t.v1": { "topic": { "enabled": "yes" } } },
    "consumers": [ { "name": "c", "topic": "nope", "group_id": "g", "sink": { "type": "log" } } ]
  })");
  service_process broken{EVENTROUTER_BINARY, {"check-config", bad}};
  EXPECT_EQ(broken.wait_exit(20s), 2);
  auto text = broken.stderr_text();
  for (auto path : {"$.tpoic_prefix", "$.producer_config[\"t.v1\"]", "$.consumers[0].topic"})
    EXPECT_NE(text.find(path), std::string::npos) << "missing " << path << " in:\n" << text;
}

// Routes to Kafka topics in openedx format register their schemas before the service serves:
// without a registry it does not start, and says which registry and why.
TEST(openedx_start, a_schema_registry_that_cannot_be_reached_stops_the_start_naming_it) {
  auto schema = write_temp("org.example.thing.v1.avsc", R"({"name": "CloudEvent", "type": "record",
    "namespace": "org.example.thing.v1", "fields": [{"name": "id", "type": "string"}]})");
  auto folder = std::filesystem::path(schema).parent_path().string();
  auto registry = "http://127.0.0.1:" + std::to_string(free_port());
  auto config = write_temp("registry-down.json", R"({ "http": { "listen": "127.0.0.1:0" },
    "schemas": { "directory": ")" + folder + R"(" },
    "transports": { "kafka": { "bootstrap_servers": "127.0.0.1:1", "schema_registry_url": ")" + registry + R"(" } },
    "topics": { "things": { "transport": "kafka", "format": "openedx" } },
    "producer_config": { "org.example.thing.v1": { "things": { "event_key_field": "id" } } } })");
  service_process service{EVENTROUTER_BINARY, {"run", "--config", config}};
  EXPECT_EQ(service.wait_exit(20s), 1);
  EXPECT_NE(service.stderr_text().find("cannot start: schema registry " + registry), std::string::npos)
    << service.stderr_text();
}

}  // namespace
}  // namespace eventrouter::testing
