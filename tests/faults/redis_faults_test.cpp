// Faults on the Redis path, with the real binary and a real redis-server (append-only file,
// appendfsync always): eventrouter killed, Redis crashed and restarted, Redis unreachable for
// longer than the command timeout. Every event that got 202 reaches the webhook; the stream
// holds every one of them.

#include "eventually.hpp"
#include "fault_service.hpp"
#include "fault_tally.hpp"

#include <gtest/gtest.h>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;

fault_service_config redis_case(const std::string& prefix, const webhook_server& sink) {
  return {.prefix = prefix, .transport = "redis", .sink_url = sink.url(), .port = free_port()};
}

// What the broker holds afterwards: every accepted event, and nothing left unacknowledged.
void expect_stream_holds_every_accepted_event(const fault_service_config& config, const load_producer& load) {
  EXPECT_EQ(accepted_but_not_in(load, ids_in_stream(config.topic())), std::vector<std::string>{});
  auto pending = [&] { return shared_redis().cli({"XPENDING", config.topic(), config.prefix + "-hook"}); };
  EXPECT_TRUE(eventually([&] { return pending().starts_with("0"); })) << pending();
}

TEST(redis_faults, kill_9_of_eventrouter_mid_load) {
  webhook_server sink{busy_ok()};
  auto config = redis_case("fr-kill", sink);
  auto service = start_service(config);
  load_producer load{config.port, {.prefix = "kill-"}};
  auto restarted = kill_9_and_restart(service, config, load);
  auto result = settle("redis: kill -9 of eventrouter", load, sink, restarted);
  expect_no_loss(result, load);
  expect_stream_holds_every_accepted_event(config, load);
}

// Redis dies without a shutdown (SIGKILL) and comes back from its append-only file: while it
// is down — until the producer was refused five times — the producer gets 503 naming Redis,
// with Retry-After, and retries.
TEST(redis_faults, redis_crash_and_restart_mid_load) {
  webhook_server sink{busy_ok()};
  auto config = redis_case("fr-restart", sink);
  auto service = start_service(config);
  load_producer load{config.port, {.prefix = "restart-"}};
  ASSERT_TRUE(load.await_accepted(load.events() / 3, 30s));
  shared_redis().crash();
  EXPECT_TRUE(eventually([&] { return load.refused() >= 5 * load.batch(); }, 15s)) << "accepted while Redis was down";
  shared_redis().start();
  auto restarted = load_producer::clock::now();
  auto result = settle("redis: redis-server crash and restart", load, sink, restarted);
  expect_no_loss(result, load);
  expect_stream_holds_every_accepted_event(config, load);
  bool named_redis = false;
  for (const auto& [why, n] : load.refusals())
    named_redis |= why.starts_with("503 (retry-after 1)") && why.find("redis") != std::string::npos;
  EXPECT_TRUE(named_redis) << "no 503 with Retry-After naming Redis among the refusals";
}

// A network cut, as the client sees one: Redis stopped (SIGSTOP) keeps its sockets open and
// answers nothing, until the producer was refused three times — each refusal waits out the
// command timeout (1 s) — then goes on (SIGCONT) and finds commands of dead connections
// still queued.
TEST(redis_faults, redis_unreachable_past_the_command_timeout) {
  webhook_server sink{busy_ok()};
  auto config = redis_case("fr-cut", sink);
  auto service = start_service(config);
  load_producer load{config.port, {.prefix = "cut-"}};
  ASSERT_TRUE(load.await_accepted(load.events() / 3, 30s));
  shared_redis().pause();
  EXPECT_TRUE(eventually([&] { return load.refused() >= 3 * load.batch(); }, 20s)) << "accepted while Redis was stopped";
  shared_redis().resume();
  auto resumed = load_producer::clock::now();
  auto result = settle("redis: SIGSTOP past the command timeout", load, sink, resumed);
  expect_no_loss(result, load);
  expect_stream_holds_every_accepted_event(config, load);
}

}  // namespace
}  // namespace eventrouter::testing
