// A real Prometheus scrapes the real binary (memory transport) and sees what a known load did:
// the target is up, and every counter of /metrics that the load touched has the value the load
// implies — read back through Prometheus's query API, as a dashboard or an alert would.

#include "prometheus_server.hpp"
#include "service_under_test.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// One event type routed to one topic, which one consumer delivers to a log sink.
constexpr auto service_config = R"({
  "topic_prefix": "prom",
  "http": { "listen": "127.0.0.1:0" },
  "producer_config": {
    "org.openedx.content_authoring.xblock.published.v1": {
      "xblock-published": { "event_key_field": "xblock_info.usage_key" }
    }
  },
  "consumers": [
    { "name": "published-log", "topic": "xblock-published", "group_id": "g-published", "sink": { "type": "log" } }
  ]
})";

constexpr int routed_events = 40;
constexpr int malformed_posts = 3;
constexpr int unknown_type_events = 2;

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class metrics_scrape : public ::testing::Test {
 protected:
  const double started = unix_now();
  service_under_test service{service_config, "metrics-scrape.json"};
  prometheus_server prometheus{{"127.0.0.1:" + std::to_string(service.port())}};

  // Whether `promql` gives exactly one sample, of value `expected`, within the deadline (a
  // scrape every second; the first one about 5 s after Prometheus started).
  ::testing::AssertionResult scraped(const std::string& promql, double expected,
                                     std::chrono::milliseconds timeout = 30s) {
    auto result = prometheus.query_until(
      promql, [&](const prometheus_result& r) { return r.size() == 1 && r[0].value == expected; }, timeout);
    if (result.size() == 1 && result[0].value == expected)
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << promql << " should be " << expected << ", Prometheus has:\n"
                                         << to_string(result) << "targets:\n"
                                         << prometheus.targets_summary();
  }

  // The one sample of `promql` (after a scrape of the service), or a failure naming what came.
  ::testing::AssertionResult one_sample(const std::string& promql, prometheus_sample& out,
                                        std::chrono::milliseconds timeout) {
    auto result =
      prometheus.query_until(promql, [](const prometheus_result& r) { return r.size() == 1; }, timeout);
    if (result.size() == 1) {
      out = result[0];
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << promql << " should give one series, Prometheus has:\n"
                                         << to_string(result) << "targets:\n"
                                         << prometheus.targets_summary();
  }
};

TEST_F(metrics_scrape, prometheus_sees_what_a_known_load_did) {
  // The load: 40 events in batches of 10, 3 malformed posts, 2 events of a type no route takes.
  auto accepted = post_events(service, "prom-", routed_events, 10);
  ASSERT_EQ(accepted.size(), static_cast<std::size_t>(routed_events));

  auto no_type = xblock_published_event("bad-2", "k");
  no_type.erase("type");
  auto old_spec = xblock_published_event("bad-3", "k");
  old_spec["specversion"] = "0.3";
  const std::vector<std::string> malformed = {"{\"type\": ", json::serialize(no_type), json::serialize(old_spec)};
  ASSERT_EQ(malformed.size(), static_cast<std::size_t>(malformed_posts));
  for (const auto& body : malformed) {
    auto reply = service.post(structured_mode, body);
    ASSERT_EQ(reply.status, 400u) << body << ": " << reply.body;
  }
  for (int i = 0; i < unknown_type_events; ++i) {
    auto unknown = xblock_published_event("unknown-" + std::to_string(i), "k");
    unknown["type"] = "org.openedx.nothing.here.v1";
    auto reply = service.post(structured_mode, json::serialize(unknown));
    ASSERT_EQ(reply.status, 400u) << reply.body;
    ASSERT_NE(reply.body.find("unknown event type"), std::string::npos) << reply.body;
  }
  auto missing = await_all({&service}, accepted, 20s);
  ASSERT_TRUE(missing.empty()) << missing.size() << " events not delivered, the first " << missing.front();

  // What Prometheus scraped. The counters only grow and the load is over, so each is awaited
  // until it has the value the load implies (a scrape after the load), and no longer.
  const auto port = std::to_string(service.port());
  EXPECT_TRUE(scraped(R"(up{job="eventrouter",instance="127.0.0.1:)" + port + R"("})", 1));
  // Malformed posts are refused before the producer and not received; events of an unknown
  // type are received (the producer counts each event it is handed) and then not routed.
  EXPECT_TRUE(scraped(R"(eventrouter_events_received_total{job="eventrouter",source="http"})",
                      routed_events + unknown_type_events));
  EXPECT_TRUE(scraped(R"(eventrouter_events_routed_total{job="eventrouter",)"
                      R"(event_type="org.openedx.content_authoring.xblock.published.v1",topic="prom-xblock-published"})",
                      routed_events));
  EXPECT_TRUE(scraped(R"(eventrouter_events_unrouted_total{job="eventrouter",reason="unknown_type"})",
                      unknown_type_events));
  EXPECT_TRUE(scraped(R"(eventrouter_ingest_rejected_total{job="eventrouter",reason="malformed"})", malformed_posts));
  EXPECT_TRUE(scraped(R"(eventrouter_events_published_total{job="eventrouter",)"
                      R"(topic="prom-xblock-published",transport="memory",result="ok"})",
                      routed_events));
  EXPECT_TRUE(scraped(R"(eventrouter_consumer_messages_total{job="eventrouter",consumer="published-log",outcome="ok"})",
                      routed_events));
  // One publish per batch of 10, each timed; each delivered event's age observed.
  EXPECT_TRUE(scraped(R"(eventrouter_publish_duration_seconds_count{job="eventrouter",transport="memory"})",
                      routed_events / 10));
  EXPECT_TRUE(scraped(R"(eventrouter_end_to_end_latency_seconds_count{job="eventrouter",consumer="published-log"})",
                      routed_events));
  EXPECT_TRUE(scraped(R"(eventrouter_consumer_state{job="eventrouter",consumer="published-log",state="running"})", 1));
  EXPECT_TRUE(scraped(R"(eventrouter_config_generation{job="eventrouter"})", 1));
  // Nothing else went wrong, over every series of these families.
  EXPECT_TRUE(scraped(R"(sum(eventrouter_events_published_total{job="eventrouter",result!="ok"}) or vector(0))", 0));
  EXPECT_TRUE(scraped(
    R"(sum(eventrouter_consumer_messages_total{job="eventrouter",outcome!="ok"}) or vector(0))", 0));
  EXPECT_TRUE(scraped(R"(sum(eventrouter_ingest_rejected_total{job="eventrouter"}))", malformed_posts));
}

// The process_* metrics of the Prometheus client convention (metrics/process_collector): a
// dashboard's memory and CPU panels, and the restart detection of `changes(process_start_time_seconds)`.
TEST_F(metrics_scrape, the_process_metrics_of_the_service_are_scraped) {
  ASSERT_TRUE(scraped(R"(up{job="eventrouter"})", 1));
  const double scraped_at = unix_now();
  // up and the service's own series come from the same scrape: no need to wait long for them.
  prometheus_sample rss, start;
  ASSERT_TRUE(one_sample(R"(process_resident_memory_bytes{job="eventrouter"})", rss, 3s));
  EXPECT_GT(rss.value, 1e6) << "a resident set under 1 MB";
  ASSERT_TRUE(one_sample(R"(process_start_time_seconds{job="eventrouter"})", start, 3s));
  // The service started after this test did; /proc gives the start in clock ticks after a boot
  // time in whole seconds, hence the margins.
  EXPECT_GE(start.value, started - 5) << "started at " << started;
  EXPECT_LE(start.value, scraped_at + 1);
}

}  // namespace
}  // namespace eventrouter::testing
