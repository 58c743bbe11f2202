// The real eventrouter binary on the Kafka transport, against a real Apache Kafka broker:
// messages carry the Open edX headers and key (checked with kcat, an independent client),
// groups share partitions, replay and dead-lettering work, and malformed messages do not stop
// a consumer. (kill -9 and broker restarts under load: tests/faults.)

#include "eventually.hpp"
#include "kafka_broker.hpp"
#include "router/rfc3339.hpp"
#include "service_under_test.hpp"
#include "webhook_server.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <sstream>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

struct consumer_spec {
  std::string name;
  std::string group;
};

// A configuration whose topics are named after the test, so tests sharing the broker never
// share a topic or a group.
std::string kafka_config(const std::string& prefix, const std::vector<consumer_spec>& consumers) {
  std::string list;
  for (const auto& c : consumers)
    list += std::string(list.empty() ? "" : ",\n") + R"({ "name": ")" + c.name +
            R"(", "topic": "xblock-lifecycle", "group_id": ")" + prefix + "-" + c.group +
            R"(", "sink": { "type": "log" }, "poll_timeout_ms": 200 })";
  return R"({
    "topic_prefix": ")" + prefix + R"(",
    "default_transport": "kafka",
    "http": { "listen": "127.0.0.1:0" },
    "transports": { "kafka": { "bootstrap_servers": ")" + shared_kafka_broker().bootstrap() + R"(",
                               "properties": { "message.timeout.ms": "15000",
                                               "session.timeout.ms": "6000", "heartbeat.interval.ms": "1000" } } },
    "producer_config": {
      "org.openedx.content_authoring.xblock.published.v1": {
        "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ )" + list + R"( ]
  })";
}

TEST(kafka_transport, an_event_goes_through_kafka_with_the_open_edx_headers_and_its_key) {
  service_under_test service{kafka_config("kt-layout", {{"lifecycle-log", "g"}})};
  auto reply = service.post(structured_mode, json::serialize(xblock_published_event("kafka-1", "block-v1:key")));
  ASSERT_EQ(reply.status, 202u) << reply.body;
  auto lines = service.delivered("kafka-1", 1, 30s);
  ASSERT_EQ(lines.size(), 1u) << service.process().stderr_text();
  EXPECT_EQ(lines[0].at("key").as_string(), "block-v1:key");
  EXPECT_EQ(lines[0].at("topic").as_string(), "kt-layout-xblock-lifecycle");

  // No sourcelib was posted: no sourcelib header, which edx-event-bus-kafka's consumer would
  // refuse empty.
  auto messages = kcat_messages("kt-layout-xblock-lifecycle");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0],
            "block-v1:key|ce_type=org.openedx.content_authoring.xblock.published.v1,ce_id=kafka-1,"
            "ce_source=openedx/cms/web,ce_time=2023-06-09T14:12:45.320819+00:00,ce_specversion=1.0,"
            "ce_minorversion=0,sourcehost=cms.example,content-type=application/json,"
            "ce_datacontenttype=application/json|"
            R"({"xblock_info":{"usage_key":"block-v1:key","block_type":"problem"}})");
}

TEST(kafka_transport, two_groups_each_get_every_event_and_consumers_of_one_group_share_partitions) {
  shared_kafka_broker().create_topic("kt-groups-xblock-lifecycle", 3);
  service_under_test service{kafka_config("kt-groups", {{"a-1", "a"}, {"a-2", "a"}, {"b-1", "b"}})};
  auto accepted = post_events(service, "grp-", 60);
  ASSERT_EQ(accepted.size(), 60u);
  EXPECT_EQ(await_all({&service}, accepted, 30s, "b-1"), std::vector<std::string>{});
  std::vector<std::string> missing_a;
  eventually([&] {
    auto a1 = deliveries({&service}, "a-1"), a2 = deliveries({&service}, "a-2");  // consumer names
    missing_a.clear();
    for (const auto& id : accepted)
      if (!a1.count(id) && !a2.count(id))
        missing_a.push_back(id);
    return missing_a.empty();
  }, 30s);
  EXPECT_EQ(missing_a, std::vector<std::string>{});
}

TEST(kafka_transport, malformed_messages_are_counted_and_do_not_stop_the_consumer) {
  shared_kafka_broker().create_topic("kt-bad-xblock-lifecycle", 1);
  service_under_test service{kafka_config("kt-bad", {{"lifecycle-log", "g"}})};
  ASSERT_TRUE(eventually([&] { return command_output("kcat -b " + shared_kafka_broker().bootstrap() + " -L -t kt-bad-xblock-lifecycle 2>/dev/null")
                                        .find("partition 0") != std::string::npos; }));
  // No ce_type header; then a value that is not JSON.
  command_output("echo 'not json' | kcat -b " + shared_kafka_broker().bootstrap() +
      " -P -t kt-bad-xblock-lifecycle -H ce_id=x1 -H ce_type=org.openedx.content_authoring.xblock.published.v1 2>/dev/null");
  command_output("echo '{}' | kcat -b " + shared_kafka_broker().bootstrap() + " -P -t kt-bad-xblock-lifecycle -H ce_id=x2 2>/dev/null");
  ASSERT_EQ(service.post(structured_mode, json::serialize(xblock_published_event("after-bad", "k"))).status, 202u);
  EXPECT_EQ(service.delivered("after-bad", 1, 30s).size(), 1u) << service.process().stderr_text();
  EXPECT_TRUE(eventually([&] { return service.consumer("lifecycle-log").at("malformed").to_number<int>() == 2; }))
    << json::serialize(service.consumer("lifecycle-log"));
  EXPECT_TRUE(service.process().wait_for_stderr(
    [](const std::string& l) {
      return l.find("malformed message") != std::string::npos && l.find(R"("event_id":"x2")") != std::string::npos &&
             l.find(R"("partition":"0")") != std::string::npos && l.find(R"("next":"passed over)") != std::string::npos;
    },
    0ms))
    << service.process().stderr_text();
}

TEST(kafka_transport, replay_from_a_time_delivers_exactly_the_events_after_it) {
  auto config = kafka_config("kt-replay", {{"lifecycle-log", "g"}});
  auto config_file = write_temp("kafka-replay.json", config);
  std::string from;
  {
    service_under_test service{config, "kafka-replay.json"};
    auto before = post_events(service, "old-", 20);
    ASSERT_EQ(await_all({&service}, before, 30s), std::vector<std::string>{});
    // The old events were written well before (their delivery was awaited), the new ones after.
    from = format_rfc3339(std::chrono::system_clock::now());
    auto after = post_events(service, "new-", 30);
    ASSERT_EQ(await_all({&service}, after, 30s), std::vector<std::string>{});
    service.process().signal(SIGTERM);
    ASSERT_EQ(service.process().wait_exit(20s), 0);
  }
  service_process replay{EVENTROUTER_BINARY,
                         {"replay", "--config", config_file, "--consumer", "lifecycle-log", "--from-time", from}};
  ASSERT_EQ(replay.wait_exit(60s), 0) << replay.stderr_text();
  std::map<std::string, int> replayed;
  for (const auto& line : replay.stdout_lines())
    replayed[std::string(json::parse(line).at("event").at("id").as_string())]++;
  std::map<std::string, int> expected;
  for (int i = 0; i < 30; ++i)
    expected["new-" + std::to_string(i)] = 1;
  EXPECT_EQ(replayed, expected);
  EXPECT_NE(replay.stderr_text().find("caught up"), std::string::npos) << replay.stderr_text();
}

TEST(kafka_transport, a_refused_event_is_dead_lettered_to_kafka_with_dlq_headers_and_its_key) {
  std::atomic<bool> fixed{false};
  webhook_server hook([&](std::size_t) { return fixed ? 200u : 422u; });
  auto config = R"({
    "topic_prefix": "kt-dlq",
    "default_transport": "kafka",
    "http": { "listen": "127.0.0.1:0" },
    "transports": { "kafka": { "bootstrap_servers": ")" + shared_kafka_broker().bootstrap() + R"(" } },
    "producer_config": { "org.openedx.content_authoring.xblock.published.v1": {
      "hooks": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ { "name": "hook", "topic": "hooks", "group_id": "kt-dlq-g", "poll_timeout_ms": 200,
                     "sink": { "type": "http", "url": ")" + hook.url() + R"(" }, "dead_letter_topic": "hooks-dlq" } ]
  })";
  service_under_test service{config};
  ASSERT_EQ(service.post(structured_mode, json::serialize(xblock_published_event("refused", "block-v1:k"))).status, 202u);
  std::vector<std::string> letters;
  ASSERT_TRUE(eventually([&] { return !(letters = kcat_messages("kt-dlq-hooks-dlq")).empty(); }, 30s))
    << service.process().stderr_text();
  const auto& letter = letters[0];
  EXPECT_EQ(letter.rfind("block-v1:k|", 0), 0u) << letter;  // the key is kept
  for (auto header : {"ce_id=refused,", "dlq_reason=http://", "answered 422", "dlq_attempts=1,",
                      "dlq_source_topic=kt-dlq-hooks,", "dlq_consumer=hook,", "dlq_first_failure_time=20"})
    EXPECT_NE(letter.find(header), std::string::npos) << header << " missing in " << letter;

  // Once the webhook is fixed, dlq replay moves the letter back, without its dlq_* headers.
  fixed = true;
  auto config_file = write_temp("kafka-dlq.json", config);
  service_process replay{EVENTROUTER_BINARY,
                         {"dlq", "replay", "--config", config_file, "--topic", "hooks-dlq", "--to", "hooks"}};
  ASSERT_EQ(replay.wait_exit(60s), 0) << replay.stderr_text();
  EXPECT_NE(replay.stderr_text().find("1 moved"), std::string::npos) << replay.stderr_text();
  std::vector<std::string> back;
  ASSERT_TRUE(eventually([&] { return (back = kcat_messages("kt-dlq-hooks")).size() == 2; }, 30s));
  EXPECT_EQ(back[1].find("dlq_"), std::string::npos) << back[1];
  EXPECT_NE(back[1].find("ce_id=refused,"), std::string::npos) << back[1];
  ASSERT_TRUE(hook.await_calls(2, 30s));
  EXPECT_EQ(hook.requests().back().header("ce-id"), "refused");
  // A second run finds nothing new: the group kept the position.
  service_process again{EVENTROUTER_BINARY,
                        {"dlq", "replay", "--config", config_file, "--topic", "hooks-dlq", "--to", "hooks"}};
  ASSERT_EQ(again.wait_exit(60s), 0) << again.stderr_text();
  EXPECT_NE(again.stderr_text().find("0 moved"), std::string::npos) << again.stderr_text();
}

TEST(kafka_transport, replay_refuses_a_consumer_that_is_not_on_kafka_or_a_bad_time) {
  auto config_file = write_temp("kafka-replay-bad.json", kafka_config("kt-replay-bad", {{"lifecycle-log", "g"}}));
  service_process unknown{EVENTROUTER_BINARY,
                          {"replay", "--config", config_file, "--consumer", "nobody", "--from-offset", "0"}};
  EXPECT_EQ(unknown.wait_exit(20s), 2);
  EXPECT_NE(unknown.stderr_text().find("no consumer named 'nobody'"), std::string::npos);
  service_process bad_time{EVENTROUTER_BINARY,
                           {"replay", "--config", config_file, "--consumer", "lifecycle-log", "--from-time", "yesterday"}};
  EXPECT_EQ(bad_time.wait_exit(20s), 2);
  EXPECT_NE(bad_time.stderr_text().find("not an RFC 3339 time"), std::string::npos);
}

}  // namespace
}  // namespace eventrouter::testing
