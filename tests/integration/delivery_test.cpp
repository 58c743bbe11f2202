// Delivery to a real webhook (an HTTP server in the test) from the real binary: retries with
// backoff, dead-letter topics with their dlq_* attributes, nothing acknowledged before it was
// delivered or dead-lettered, and the counters an operator reads in /metrics.

#include "eventually.hpp"
#include "service_under_test.hpp"
#include "webhook_server.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// One topic with a webhook consumer; its dead-letter topic (when given) is read by a log
// consumer, so what was dead-lettered shows on stdout with its attributes.
std::string delivery_config(const webhook_server& hook, const std::string& dead_letter, unsigned max_attempts = 3,
                            unsigned errors_limit = 5, unsigned max_restarts = 10, bool bystander = false) {
  std::string dlq = dead_letter.empty() ? "" : R"(, "dead_letter_topic": ")" + dead_letter + R"(")";
  std::string dlq_reader = dead_letter.empty() ? "" : R"(, { "name": "dlq-log", "topic": ")" + dead_letter +
                                                        R"(", "group_id": "dlq", "sink": { "type": "log" } })";
  // Another group on the same topic, whose consumer has nothing to do with the webhook.
  if (bystander)
    dlq_reader += R"(, { "name": "bystander", "topic": "hooks", "group_id": "other", "sink": { "type": "log" } })";
  return R"({
    "topic_prefix": "it",
    "http": { "listen": "127.0.0.1:0" },
    "producer_config": { "org.openedx.content_authoring.xblock.published.v1": {
      "hooks": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [
      { "name": "hook", "topic": "hooks", "group_id": "g", "poll_timeout_ms": 100,
        "sink": { "type": "http", "url": ")" + hook.url() + R"(", "timeout_ms": 300,
                  "headers": { "authorization": "Bearer test-token" } },
        "retry": { "max_attempts": )" + std::to_string(max_attempts) + R"(, "backoff_ms": [40, 160] },
        "consecutive_errors_limit": )" + std::to_string(errors_limit) + R"(,
        "restart_backoff_ms": [50, 100], "max_restarts": )" + std::to_string(max_restarts) +
         R"(, "restart_window_ms": 60000 )" + dlq + R"( })" + dlq_reader + R"(
    ]
  })";
}

bool has_metric(service_under_test& service, const std::string& series) {
  return service.get("/metrics").body.find(series) != std::string::npos;
}

void post_one(service_under_test& service, const std::string& id) {
  auto reply = service.post(structured_mode, json::serialize(xblock_published_event(id, "block-v1:key")));
  ASSERT_EQ(reply.status, 202u) << reply.body;
}

TEST(delivery, a_webhook_gets_the_event_in_binary_mode_after_retries_spaced_by_the_backoff) {
  webhook_server hook([](std::size_t call) { return call < 2 ? 503u : 200u; });
  service_under_test service{delivery_config(hook, "hooks-dlq")};
  post_one(service, "retried-1");
  ASSERT_TRUE(hook.await_calls(3, 10s));
  auto requests = hook.requests();
  const auto& last = requests.back();
  EXPECT_EQ(last.method, "POST");
  EXPECT_EQ(last.path, "/events");
  EXPECT_EQ(last.header("ce-id"), "retried-1");
  EXPECT_EQ(last.header("ce-type"), xblock_published_type);
  EXPECT_EQ(last.header("ce-source"), "openedx/cms/web");
  EXPECT_EQ(last.header("ce-specversion"), "1.0");
  EXPECT_EQ(last.header("ce-time"), "2023-06-09T14:12:45.320819+00:00");
  EXPECT_EQ(last.header("ce-partitionkey"), "block-v1:key");
  EXPECT_EQ(last.header("content-type"), "application/json");
  EXPECT_EQ(last.header("authorization"), "Bearer test-token");
  EXPECT_EQ(json::parse(last.body), json::parse(R"({"xblock_info":{"usage_key":"block-v1:key","block_type":"problem"}})"));

  auto arrivals = hook.arrivals();
  for (std::size_t i = 1; i < 3; ++i) {
    auto gap = arrivals[i] - arrivals[i - 1];
    EXPECT_GE(gap, 40ms) << "try " << i + 1 << " came before the minimum backoff";
    EXPECT_LE(gap, 160ms + 500ms) << "try " << i + 1 << " waited far past the maximum backoff";
  }
  EXPECT_TRUE(eventually([&] {
    return has_metric(service, R"(eventrouter_consumer_messages_total{consumer="hook",outcome="ok"} 1)") &&
           has_metric(service, R"(eventrouter_consumer_messages_total{consumer="hook",outcome="retried"} 2)");
  })) << service.get("/metrics").body;
  EXPECT_EQ(hook.calls(), 3u);
  EXPECT_TRUE(service.delivered("retried-1", 1, 500ms).empty()) << "a delivered event reached the dead-letter topic";
}

// The dead-letter line for `id`, once it arrived.
json::object dead_lettered(service_under_test& service, const std::string& id) {
  auto lines = service.delivered(id, 1);
  if (lines.empty())
    return {};
  EXPECT_EQ(lines[0].at("consumer").as_string(), "dlq-log");
  EXPECT_EQ(lines[0].at("topic").as_string(), "it-hooks-dlq");
  return lines[0].at("event").as_object();
}

TEST(delivery, a_refused_event_goes_to_the_dead_letter_topic_at_once_with_why) {
  webhook_server hook([](std::size_t) { return 400u; });
  service_under_test service{delivery_config(hook, "hooks-dlq")};
  post_one(service, "refused-1");
  auto letter = dead_lettered(service, "refused-1");
  ASSERT_FALSE(letter.empty()) << service.process().stderr_text();
  EXPECT_NE(letter.at("dlq_reason").as_string().find("answered 400"), std::string::npos);
  EXPECT_EQ(letter.at("dlq_attempts").as_string(), "1");
  EXPECT_EQ(letter.at("dlq_source_topic").as_string(), "it-hooks");
  EXPECT_EQ(letter.at("dlq_consumer").as_string(), "hook");
  EXPECT_FALSE(letter.at("dlq_first_failure_time").as_string().empty());
  EXPECT_EQ(letter.at("type").as_string(), xblock_published_type);
  EXPECT_EQ(letter.at("data").at("xblock_info").at("usage_key").as_string(), "block-v1:key");
  EXPECT_EQ(hook.calls(), 1u);  // not retried: a 400 will not mend

  // Acknowledged after dead-lettering: the consumer goes on with the next event.
  post_one(service, "refused-2");
  EXPECT_FALSE(dead_lettered(service, "refused-2").empty());
  EXPECT_TRUE(eventually([&] {
    return has_metric(service, R"(eventrouter_consumer_messages_total{consumer="hook",outcome="dead_lettered"} 2)");
  }));
  EXPECT_EQ(service.consumer("hook").at("restarts").to_number<int>(), 0);
}

TEST(delivery, an_event_failing_every_try_is_dead_lettered_after_the_last) {
  webhook_server hook([](std::size_t) { return 500u; });
  service_under_test service{delivery_config(hook, "hooks-dlq", 4)};
  post_one(service, "failing-1");
  auto letter = dead_lettered(service, "failing-1");
  ASSERT_FALSE(letter.empty());
  EXPECT_EQ(letter.at("dlq_attempts").as_string(), "4");
  EXPECT_NE(letter.at("dlq_reason").as_string().find("answered 500"), std::string::npos);
  EXPECT_EQ(hook.calls(), 4u);
}

TEST(delivery, a_webhook_that_never_answers_times_out_and_is_retried) {
  webhook_server hook([](std::size_t) { return 0u; });  // never answers
  service_under_test service{delivery_config(hook, "hooks-dlq", 2)};
  post_one(service, "silent-1");
  auto letter = dead_lettered(service, "silent-1");
  ASSERT_FALSE(letter.empty());
  EXPECT_NE(letter.at("dlq_reason").as_string().find("no answer within the timeout"), std::string::npos)
    << letter.at("dlq_reason");
  EXPECT_EQ(letter.at("dlq_attempts").as_string(), "2");
}

TEST(delivery, without_a_dead_letter_topic_nothing_is_acknowledged_before_the_webhook_takes_it) {
  std::atomic<bool> healthy{false};
  webhook_server hook([&](std::size_t) { return healthy ? 200u : 500u; });
  service_under_test service{delivery_config(hook, "", 2, 2)};
  post_one(service, "kept-1");
  // Failing: retried, given back, counted; past the limit the consumer is restarted.
  EXPECT_TRUE(eventually([&] { return service.consumer("hook").at("restarts").to_number<int>() >= 1; }))
    << json::serialize(service.consumer("hook"));
  healthy = true;
  auto calls_before = hook.calls();
  EXPECT_TRUE(eventually([&] { return service.consumer("hook").at("delivered").to_number<int>() == 1; }, 15s));
  EXPECT_GT(hook.calls(), calls_before);
  EXPECT_EQ(hook.requests().back().header("ce-id"), "kept-1");
  EXPECT_TRUE(has_metric(service, R"(eventrouter_consumer_messages_total{consumer="hook",outcome="failed"})"));
}

TEST(delivery, a_consumer_restarted_too_often_is_failed_until_it_delivers_again) {
  std::atomic<bool> healthy{false};
  webhook_server hook([&](std::size_t) { return healthy ? 200u : 500u; });
  service_under_test service{delivery_config(hook, "", 1, 1, 2, true)};
  post_one(service, "flaky-1");
  EXPECT_TRUE(eventually([&] { return service.consumer("hook").at("state").as_string() == "failed"; }))
    << json::serialize(service.consumer("hook"));
  auto readiness = service.get("/readyz");
  EXPECT_EQ(readiness.status, 503u);
  EXPECT_NE(readiness.body.find("consumer 'hook' failed"), std::string::npos) << readiness.body;
  EXPECT_EQ(service.get("/healthz").status, 200u);  // alive, only not ready
  // The other consumer is not affected.
  EXPECT_EQ(service.delivered("flaky-1", 1).size(), 1u);
  EXPECT_EQ(service.consumer("bystander").at("state").as_string(), "running");
  EXPECT_EQ(service.consumer("bystander").at("restarts").to_number<int>(), 0);

  healthy = true;
  EXPECT_TRUE(eventually([&] { return service.consumer("hook").at("state").as_string() == "running"; }, 15s))
    << json::serialize(service.consumer("hook"));
  EXPECT_EQ(service.consumer("hook").at("delivered").to_number<int>(), 1);
  EXPECT_EQ(service.get("/readyz").status, 200u);
}

}  // namespace
}  // namespace eventrouter::testing
