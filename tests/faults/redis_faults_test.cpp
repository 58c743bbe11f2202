// Faults on the Redis path, with the real binary and a real redis-server (append-only file,
// appendfsync always): eventrouter killed, Redis crashed and restarted, Redis unreachable for
// longer than the command timeout. Every event that got 202 reaches the webhook; the stream
// holds every one of them.

#include "eventually.hpp"
#include "fault_service.hpp"
#include "fault_tally.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;

fault_service_config redis_service(const std::string& prefix) { return {.prefix = prefix, .transport = "redis"}; }

// What the broker holds afterwards: every accepted event, and nothing left unacknowledged.
void expect_stream_holds_every_accepted_event(const fault_case& c) {
  EXPECT_EQ(accepted_but_not_in(c.load, ids_in_stream(c.config.topic())), std::vector<std::string>{});
  auto pending = [&] { return shared_redis().cli({"XPENDING", c.config.topic(), c.config.prefix + "-hook"}); };
  EXPECT_TRUE(eventually([&] { return pending().starts_with("0"); })) << pending();
}

// Redis taken away by `cut` once a third of the load was accepted, and given back by `mend`
// once the producer was refused `refusals` times; then the case settles.
fault_result redis_outage(fault_case& c, const std::string& name, int refusals, const std::function<void()>& cut,
                          const std::function<void()>& mend) {
  EXPECT_TRUE(c.load.await_accepted(c.load.events() / 3, 30s));
  cut();
  EXPECT_TRUE(eventually([&] { return c.load.refused() >= refusals * c.load.batch(); }, 20s))
    << "accepted while Redis was away";
  mend();
  auto result = settle(name, c.load, c.sink, load_producer::clock::now());
  expect_no_loss(result, c.load);
  expect_stream_holds_every_accepted_event(c);
  return result;
}

TEST(redis_faults, kill_9_of_eventrouter_mid_load) {
  fault_case c{redis_service("fr-kill"), {.prefix = "kill-"}};
  auto restarted = kill_9_and_restart(c);
  expect_no_loss(settle("redis: kill -9 of eventrouter", c.load, c.sink, restarted), c.load);
  expect_stream_holds_every_accepted_event(c);
}

// Redis dies without a shutdown (SIGKILL) and comes back from its append-only file: while it
// is down — until the producer was refused five times — the producer gets 503 naming Redis,
// with Retry-After, and retries.
TEST(redis_faults, redis_crash_and_restart_mid_load) {
  fault_case c{redis_service("fr-restart"), {.prefix = "restart-"}};
  redis_outage(c, "redis: redis-server crash and restart", 5, [] { shared_redis().crash(); },
               [] { shared_redis().start(); });
  bool named_redis = false;
  for (const auto& [why, n] : c.load.refusals())
    named_redis |= why.starts_with("503 (retry-after 1)") && why.find("redis") != std::string::npos;
  EXPECT_TRUE(named_redis) << "no 503 with Retry-After naming Redis among the refusals";
}

// A network cut, as the client sees one: Redis stopped (SIGSTOP) keeps its sockets open and
// answers nothing, until the producer was refused three times — each refusal waits out the
// command timeout (1 s) — then goes on (SIGCONT) and finds commands of dead connections
// still queued.
TEST(redis_faults, redis_unreachable_past_the_command_timeout) {
  fault_case c{redis_service("fr-cut"), {.prefix = "cut-"}};
  redis_outage(c, "redis: SIGSTOP past the command timeout", 3, [] { shared_redis().pause(); },
               [] { shared_redis().resume(); });
}

}  // namespace
}  // namespace eventrouter::testing
