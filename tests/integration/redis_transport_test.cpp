// The real eventrouter binary on the Redis transport, against a real redis-server: events go
// through streams in the Open edX layout, consumer groups redeliver what a crashed or dead
// consumer left pending, and malformed entries do not stop a consumer. (kill -9 and Redis
// restarts under load: tests/faults.)

#include "eventually.hpp"
#include "redis_server.hpp"
#include "service_under_test.hpp"
#include "text_lines.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <sstream>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr auto stream = "it-xblock-lifecycle";

struct consumer_spec {
  std::string name;
  std::string group;
  std::string extra = "";  // more JSON members, e.g. ", \"claim_idle_ms\": 200"
};

std::string redis_config(const redis_server& redis, const std::vector<consumer_spec>& consumers) {
  std::string list;
  for (const auto& c : consumers)
    list += std::string(list.empty() ? "" : ",\n") + R"({ "name": ")" + c.name + R"(", "topic": "xblock-lifecycle", "group_id": ")" +
            c.group + R"(", "sink": { "type": "log" }, "poll_timeout_ms": 200)" + c.extra + " }";
  return R"({
    "topic_prefix": "it",
    "default_transport": "redis",
    "http": { "listen": "127.0.0.1:0" },
    "transports": { "redis": { "url": ")" + redis.url() + R"(", "reconnect_backoff_ms": [50, 200],
                               "command_timeout_ms": 1000 } },
    "producer_config": {
      "org.openedx.content_authoring.xblock.published.v1": {
        "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ )" + list + R"( ]
  })";
}

// A stream entry as an Open edX producer (edx-event-bus-redis) writes it.
std::vector<std::string> openedx_xadd(const std::string& id) {
  return {"XADD", stream, "*", "type", xblock_published_type, "id", id, "source", "openedx/cms/web", "time",
          "2023-06-09T14:12:45.320819+00:00", "minorversion", "0", "sourcehost", "cms", "sourcelib", "9.5.1",
          "event_data", R"({"xblock_info": {"usage_key": "k", "block_type": "html"}})"};
}

TEST(redis_transport, an_event_goes_through_a_stream_in_the_open_edx_layout) {
  redis_server redis;
  service_under_test service{redis_config(redis, {{"lifecycle-log", "g"}})};
  auto reply = service.post(structured_mode, json::serialize(xblock_published_event("r-1", "block-v1:x")));
  ASSERT_EQ(reply.status, 202u) << reply.body;

  auto lines = service.delivered("r-1", 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("topic").as_string(), stream);
  EXPECT_EQ(lines[0].at("event").at("sourcehost").as_string(), "cms.example");
  EXPECT_EQ(lines[0].at("event").at("data").at("xblock_info").at("usage_key").as_string(), "block-v1:x");

  auto entry = lines_of(redis.cli({"XRANGE", stream, "-", "+"}));
  ASSERT_EQ(entry.size(), 17u) << redis.cli({"XRANGE", stream, "-", "+"});
  std::vector<std::string> fields(entry.begin() + 1, entry.end());
  EXPECT_EQ(fields, (std::vector<std::string>{
                      "type", xblock_published_type, "id", "r-1", "source", "openedx/cms/web", "time",
                      "2023-06-09T14:12:45.320819+00:00", "minorversion", "0", "sourcehost", "cms.example",
                      "sourcelib", "", "event_data",
                      R"({"xblock_info":{"usage_key":"block-v1:x","block_type":"problem"}})"}));
  EXPECT_TRUE(eventually([&] { return redis.cli({"XPENDING", stream, "g"}).starts_with("0"); }))
    << "the delivered entry was not acknowledged: " << redis.cli({"XPENDING", stream, "g"});
  // The group's lag as the reader read it, also for /v1/consumers (null until the first reading).
  EXPECT_TRUE(eventually([&] { return service.consumer("lifecycle-log").at("lag").is_number(); }))
    << json::serialize(service.consumer("lifecycle-log"));
}

TEST(redis_transport, an_entry_an_open_edx_producer_wrote_is_delivered) {
  redis_server redis;
  service_under_test service{redis_config(redis, {{"lifecycle-log", "g"}})};
  // The group exists once the consumer started; then an Open edX producer writes.
  ASSERT_TRUE(eventually([&] { return redis.cli({"XINFO", "GROUPS", stream}).find("g") != std::string::npos; }));
  redis.cli(openedx_xadd("from-openedx"));
  auto lines = service.delivered("from-openedx", 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("event").at("sourcelib").as_string(), "9.5.1");
  EXPECT_EQ(lines[0].at("event").at("data").at("xblock_info").at("block_type").as_string(), "html");
}

TEST(redis_transport, two_groups_each_get_every_event_and_consumers_of_one_group_share_them) {
  redis_server redis;
  service_under_test service{redis_config(redis, {{"a-1", "group-a"}, {"a-2", "group-a"}, {"b-1", "group-b"}})};
  auto accepted = post_events(service, "g-", 60);
  ASSERT_EQ(accepted.size(), 60u);
  EXPECT_EQ(await_all({&service}, accepted, 15s, "a-"), std::vector<std::string>{});
  EXPECT_EQ(await_all({&service}, accepted, 15s, "b-"), std::vector<std::string>{});
  for (const auto& [id, n] : deliveries({&service}, "a-"))
    EXPECT_EQ(n, 1) << id << " reached group-a more than once without any failure";
}

TEST(redis_transport, what_a_crashed_consumer_read_and_never_acknowledged_is_delivered_when_it_restarts) {
  redis_server redis;
  // An earlier incarnation of consumer "lifecycle-log" read three entries and died.
  redis.cli({"XGROUP", "CREATE", stream, "g", "$", "MKSTREAM"});
  for (auto id : {"crashed-0", "crashed-1", "crashed-2"})
    redis.cli(openedx_xadd(id));
  redis.cli({"XREADGROUP", "GROUP", "g", "lifecycle-log", "COUNT", "10", "STREAMS", stream, ">"});
  ASSERT_TRUE(redis.cli({"XPENDING", stream, "g"}).starts_with("3"));

  service_under_test service{redis_config(redis, {{"lifecycle-log", "g"}})};
  EXPECT_EQ(await_all({&service}, {"crashed-0", "crashed-1", "crashed-2"}, 10s), std::vector<std::string>{});
  EXPECT_TRUE(eventually([&] { return redis.cli({"XPENDING", stream, "g"}).starts_with("0"); }));
}

TEST(redis_transport, entries_a_dead_consumer_left_pending_are_claimed_by_a_living_one) {
  redis_server redis;
  redis.cli({"XGROUP", "CREATE", stream, "g", "$", "MKSTREAM"});
  for (auto id : {"orphan-0", "orphan-1"})
    redis.cli(openedx_xadd(id));
  redis.cli({"XREADGROUP", "GROUP", "g", "ghost", "COUNT", "10", "STREAMS", stream, ">"});

  service_under_test service{redis_config(redis, {{"alive", "g", R"(, "claim_idle_ms": 200)"}})};
  EXPECT_EQ(await_all({&service}, {"orphan-0", "orphan-1"}, 10s), std::vector<std::string>{});
  EXPECT_TRUE(eventually([&] { return redis.cli({"XPENDING", stream, "g"}).starts_with("0"); }));
}

TEST(redis_transport, malformed_entries_are_counted_and_do_not_stop_the_consumer) {
  redis_server redis;
  service_under_test service{redis_config(redis, {{"lifecycle-log", "g"}})};
  ASSERT_TRUE(eventually([&] { return redis.cli({"XINFO", "GROUPS", stream}).find("g") != std::string::npos; }));
  redis.cli({"XADD", stream, "*", "type", xblock_published_type});  // no id, no event_data
  redis.cli({"XADD", stream, "*", "type", xblock_published_type, "id", "bad-json", "event_data", "{not json"});
  ASSERT_EQ(service.post(structured_mode, json::serialize(xblock_published_event("good", "k"))).status, 202u);

  EXPECT_EQ(service.delivered("good", 1).size(), 1u);
  EXPECT_TRUE(eventually([&] { return service.consumer("lifecycle-log").at("malformed").to_number<int>() == 2; }))
    << json::serialize(service.consumer("lifecycle-log"));
  EXPECT_NE(service.get("/metrics").body.find(
              R"(eventrouter_consumer_messages_total{consumer="lifecycle-log",outcome="malformed"} 2)"),
            std::string::npos);
  EXPECT_NE(service.process().stderr_text().find("field 'event_data' is not valid JSON"), std::string::npos);
  // Left pending, not acknowledged: they are not lost before dead-lettering exists.
  EXPECT_TRUE(redis.cli({"XPENDING", stream, "g"}).starts_with("2"));
  EXPECT_EQ(service.consumer("lifecycle-log").at("state").as_string(), "running");
}

}  // namespace
}  // namespace eventrouter::testing
