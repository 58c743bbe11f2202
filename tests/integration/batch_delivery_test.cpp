// Batched delivery (sink.batch) to a real webhook from the real binary: CloudEvents batch mode
// within max_events and max_bytes, every event once on a 2xx, a retryable failure retrying the
// batch's events, and a batch refused for good sent again event by event so that only the
// event at fault is dead-lettered.

#include "eventually.hpp"
#include "service_under_test.hpp"
#include "webhook_server.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// One topic with a batching webhook consumer (events unordered, so that a poll's events travel
// together) and a log consumer on its dead-letter topic.
std::string batch_config(const webhook_server& hook, const std::string& batch) {
  return R"({
    "topic_prefix": "it",
    "http": { "listen": "127.0.0.1:0" },
    "producer_config": { "org.openedx.content_authoring.xblock.published.v1": {
      "hooks": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [
      { "name": "hook", "topic": "hooks", "group_id": "g", "poll_timeout_ms": 100,
        "sink": { "type": "http", "url": ")" + hook.url() + R"(", "timeout_ms": 2000, "concurrency": 20,
                  "ordered": false, "headers": { "authorization": "Bearer test-token" }, "batch": )" + batch + R"( },
        "retry": { "max_attempts": 3, "backoff_ms": [20, 40] }, "dead_letter_topic": "hooks-dlq" },
      { "name": "dlq-log", "topic": "hooks-dlq", "group_id": "dlq", "sink": { "type": "log" } }
    ]
  })";
}

// The ids of the events in a request's batch body.
std::vector<std::string> ids_in(const http::request& request) {
  std::vector<std::string> ids;
  auto body = json::parse(request.body);
  for (const auto& ev : body.as_array())
    ids.push_back(std::string(ev.at("id").as_string()));
  return ids;
}

// How often each id reached the webhook in a call it answered `status`.
std::map<std::string, int> answered(const webhook_server& hook, unsigned status) {
  std::map<std::string, int> times;
  for (const auto& call : hook.history())
    if (call.answer == status)
      for (const auto& id : ids_in(call.request))
        times[id]++;
  return times;
}

std::map<std::string, int> once_each(const std::vector<std::string>& ids) {
  std::map<std::string, int> times;
  for (const auto& id : ids)
    times[id] = 1;
  return times;
}

TEST(batch_delivery, a_receiver_gets_batches_within_max_events_and_max_bytes_and_every_event_once) {
  webhook_server hook([](std::size_t) { return 200u; });
  service_under_test service{batch_config(hook, R"({ "max_events": 5, "max_bytes": 2048 })")};
  auto ids = post_events(service, "batched-", 60);
  ASSERT_EQ(ids.size(), 60u);
  ASSERT_TRUE(hook.await_events(60, 10s)) << hook.events() << " events arrived";
  EXPECT_TRUE(eventually([&] { return service.consumer("hook").at("delivered").to_number<int>() == 60; }))
    << json::serialize(service.consumer("hook"));

  std::size_t largest = 0;
  for (const auto& request : hook.requests()) {
    EXPECT_EQ(request.path, "/events");
    EXPECT_EQ(request.header("content-type"), "application/cloudevents-batch+json");
    EXPECT_EQ(request.header("authorization"), "Bearer test-token");
    EXPECT_FALSE(request.header("ce-id")) << "batch mode carries the attributes in the body";
    auto events = ids_in(request).size();
    EXPECT_LE(events, 5u);
    if (events > 1) {
      EXPECT_LE(request.body.size(), 2048u);
    }
    largest = std::max(largest, events);
  }
  EXPECT_GT(largest, 1u) << "events travelled one per request";
  EXPECT_EQ(answered(hook, 200), once_each(ids));

  // Each element is the event in structured mode, its key among the extension attributes.
  auto first = json::parse(hook.requests().front().body).as_array().at(0).as_object();
  EXPECT_EQ(first.at("type").as_string(), xblock_published_type);
  EXPECT_EQ(first.at("source").as_string(), "openedx/cms/web");
  EXPECT_EQ(first.at("specversion").as_string(), "1.0");
  EXPECT_TRUE(first.at("partitionkey").as_string().starts_with("key-")) << first;
  EXPECT_EQ(first.at("data").at("xblock_info").at("block_type").as_string(), "problem");
}

TEST(batch_delivery, a_batch_does_not_wait_for_company_when_the_consumer_has_no_more) {
  webhook_server hook([](std::size_t) { return 200u; });
  service_under_test service{batch_config(hook, R"({ "max_events": 10, "max_wait_ms": 1000 })")};
  // Nothing under way, nothing more to come: each goes at once, not after max_wait_ms.
  for (int i = 0; i < 3; ++i) {
    auto posted = std::chrono::steady_clock::now();
    ASSERT_EQ(post_events(service, "lone-" + std::to_string(i) + "-", 1).size(), 1u);
    ASSERT_TRUE(hook.await_events(i + 1, 10s));
    EXPECT_LT(hook.arrivals().back() - posted, 500ms) << "event " << i << " waited for a batch to fill";
  }
  // 15 events in one poll: a full batch, and 5 that may wait while it is under way — until the
  // consumer, answered, has nothing more to start.
  auto posted = std::chrono::steady_clock::now();
  ASSERT_EQ(post_events(service, "poll-", 15, 15).size(), 15u);
  ASSERT_TRUE(hook.await_events(18, 10s));
  EXPECT_LT(hook.arrivals().back() - posted, 500ms) << "the last 5 waited for max_wait_ms";
}

TEST(batch_delivery, a_batch_that_failed_with_500_is_delivered_whole_on_the_next_try) {
  webhook_server hook([](std::size_t call) { return call == 0 ? 500u : 200u; });
  service_under_test service{batch_config(hook, R"({ "max_events": 10 })")};
  auto ids = post_events(service, "again-", 30);
  ASSERT_EQ(ids.size(), 30u);
  ASSERT_TRUE(eventually([&] { return service.consumer("hook").at("delivered").to_number<int>() == 30; }))
    << json::serialize(service.consumer("hook"));

  auto failed = ids_in(hook.history().front().request);
  ASSERT_FALSE(failed.empty());
  EXPECT_EQ(answered(hook, 200), once_each(ids)) << "every event delivered once, the failed batch's again";
  EXPECT_EQ(answered(hook, 500), once_each(failed));
  EXPECT_TRUE(service.delivered(failed.front(), 1, 300ms).empty()) << "a retried event reached the dead-letter topic";
}

TEST(batch_delivery, a_batch_refused_for_one_event_dead_letters_only_that_event) {
  // Refuses any batch holding the poison event, as a receiver validating every event would.
  webhook_server hook([](std::size_t, const http::request& request) {
    return request.body.find("\"id\":\"poison\"") != std::string::npos ? 400u : 200u;
  });
  service_under_test service{batch_config(hook, R"({ "max_events": 10 })")};
  auto ids = post_events(service, "fine-", 20);
  ASSERT_EQ(ids.size(), 20u);
  // The poison event in the middle of one request's events, so that they travel together.
  json::array mixed;
  for (int i = 0; i < 8; ++i) {
    if (i == 4)
      mixed.push_back(xblock_published_event("poison", "key-p"));
    ids.push_back("mixed-" + std::to_string(i));
    mixed.push_back(xblock_published_event(ids.back(), "key-" + std::to_string(i)));
  }
  auto reply = service.post(batch_mode, json::serialize(mixed));
  ASSERT_EQ(reply.status, 202u) << reply.body;
  auto more = post_events(service, "after-", 20);
  ids.insert(ids.end(), more.begin(), more.end());

  auto letters = service.delivered("poison", 1);
  ASSERT_EQ(letters.size(), 1u) << service.process().stderr_text();
  auto letter = letters[0].at("event").as_object();
  EXPECT_EQ(letter.at("dlq_attempts").as_string(), "1");
  EXPECT_NE(letter.at("dlq_reason").as_string().find("answered 400"), std::string::npos) << letter.at("dlq_reason");
  EXPECT_EQ(letter.at("dlq_consumer").as_string(), "hook");
  EXPECT_EQ(letter.at("dlq_source_topic").as_string(), "it-hooks");

  ASSERT_TRUE(eventually([&] { return answered(hook, 200).size() == ids.size(); }))
    << json::serialize(service.consumer("hook"));
  EXPECT_EQ(answered(hook, 200), once_each(ids)) << "every other event delivered exactly once";
  for (const auto& line : service.all_delivered())
    EXPECT_EQ(line.at("event").at("id").as_string(), "poison") << "only the poison event is dead-lettered";
  // A batch holding the poison event and others was refused, then sent again event by event:
  // the poison event alone, refused once more.
  auto history = hook.history();
  EXPECT_TRUE(std::any_of(history.begin(), history.end(), [](const webhook_server::call& c) {
    return c.answer == 400 && ids_in(c.request).size() > 1;
  })) << "the poison event never shared a batch";
  EXPECT_GE(answered(hook, 400)["poison"], 2);
}

}  // namespace
}  // namespace eventrouter::testing
