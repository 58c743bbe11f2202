// Dead letters moved back with `eventrouter dlq replay`, on a real redis-server: the events
// return to their topic without their dlq_* attributes and reach the webhook that refused
// them before; the dead-letter stream is emptied.

#include "eventually.hpp"
#include "redis_server.hpp"
#include "service_under_test.hpp"
#include "webhook_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;

TEST(dlq_replay, dead_letters_go_back_to_their_topic_without_dlq_attributes_and_are_delivered) {
  redis_server redis;
  std::atomic<bool> fixed{false};
  webhook_server hook([&](std::size_t) { return fixed ? 200u : 400u; });
  auto config = R"({
    "topic_prefix": "dr",
    "default_transport": "redis",
    "http": { "listen": "127.0.0.1:0" },
    "transports": { "redis": { "url": ")" + redis.url() + R"(" } },
    "producer_config": { "org.openedx.content_authoring.xblock.published.v1": {
      "hooks": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ { "name": "hook", "topic": "hooks", "group_id": "g", "poll_timeout_ms": 100,
                     "sink": { "type": "http", "url": ")" + hook.url() + R"(" },
                     "dead_letter_topic": "hooks-dlq" } ]
  })";
  auto config_file = write_temp("dlq-replay.json", config);
  service_under_test service{config, "dlq-replay.json"};
  auto accepted = post_events(service, "dead-", 3);
  ASSERT_EQ(accepted.size(), 3u);
  ASSERT_TRUE(eventually([&] { return redis.cli({"XLEN", "dr-hooks-dlq"}) == "3"; }))
    << redis.cli({"XLEN", "dr-hooks-dlq"});
  EXPECT_NE(redis.cli({"XRANGE", "dr-hooks-dlq", "-", "+"}).find("dlq_reason"), std::string::npos);

  fixed = true;
  service_process replay{EVENTROUTER_BINARY,
                         {"dlq", "replay", "--config", config_file, "--topic", "hooks-dlq", "--to", "hooks"}};
  ASSERT_EQ(replay.wait_exit(30s), 0) << replay.stderr_text();
  EXPECT_NE(replay.stderr_text().find("3 moved"), std::string::npos) << replay.stderr_text();
  EXPECT_EQ(redis.cli({"XLEN", "dr-hooks-dlq"}), "0");

  ASSERT_TRUE(hook.await_calls(6, 10s)) << hook.calls();
  auto requests = hook.requests();
  std::set<std::string> delivered_again;
  for (std::size_t i = 3; i < requests.size(); ++i) {  // after the three refused tries
    EXPECT_FALSE(requests[i].header("ce-dlq_reason")) << "a replayed event kept its dead-letter attributes";
    delivered_again.insert(std::string(requests[i].header("ce-id").value_or("")));
  }
  EXPECT_EQ(delivered_again, (std::set<std::string>{"dead-0", "dead-1", "dead-2"}));
  EXPECT_EQ(redis.cli({"XLEN", "dr-hooks-dlq"}), "0") << "delivered, not dead-lettered again";
}

TEST(dlq_replay, a_memory_topic_or_an_unknown_one_is_refused_clearly) {
  auto config_file = write_temp("dlq-replay-memory.json", R"({ "topics": { "a": {}, "b": {} } })");
  service_process memory{EVENTROUTER_BINARY, {"dlq", "replay", "--config", config_file, "--topic", "a", "--to", "b"}};
  EXPECT_EQ(memory.wait_exit(20s), 2);
  EXPECT_NE(memory.stderr_text().find("topic 'a' is on the memory transport, whose topics live inside the service's process"), std::string::npos);
  service_process unknown{EVENTROUTER_BINARY, {"dlq", "replay", "--config", config_file, "--topic", "x", "--to", "b"}};
  EXPECT_EQ(unknown.wait_exit(20s), 2);
  EXPECT_NE(unknown.stderr_text().find("no topic named 'x'"), std::string::npos);
}

}  // namespace
}  // namespace eventrouter::testing
