// Configuration reloads every 200 ms while the load runs, alternately changing something no
// actor depends on (shutdown_timeout_ms) and a setting of the consumer (its poll timeout),
// which restarts it with whatever it held unacknowledged. On Redis, and on the memory
// transport, whose topic actor takes back what a stopped consumer held.

#include "fault_service.hpp"
#include "fault_tally.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <thread>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;

// The n-th version of the file: bit 0 picks the harmless setting, bit 1 the consumer's.
std::string variant(fault_service_config config, int n) {
  config.consumer_extra = n & 2 ? R"(, "poll_timeout_ms": 250)" : "";
  config.top_extra = n & 1 ? R"(, "shutdown_timeout_ms": 11000)" : "";
  return fault_config(config);
}

// Replaced whole (a rename), so a reload never reads half a file.
void rewrite(const fault_service_config& config, const std::string& text) {
  auto next = write_temp(config.prefix + ".json.next", text);
  std::filesystem::rename(next, next.substr(0, next.size() - std::string(".next").size()));
}

void reload_every_200ms(const std::string& transport) {
  // 100 batches 40 ms apart: twenty reloads or more while the load runs.
  fault_case c{{.prefix = "fl-" + transport, .transport = transport}, {.prefix = "reload-", .pace = 40ms}};
  int reloads = 0;
  while (!c.load.done()) {
    rewrite(c.config, variant(c.config, ++reloads));
    c.service->process().signal(SIGHUP);
    std::this_thread::sleep_for(200ms);  // the period of the fault, not a wait for a condition
  }
  // The fault lasts as long as the load: no end to recover from.
  expect_no_loss(settle(transport + ": config reload every 200 ms", c.load, c.sink, std::nullopt), c.load);

  auto log = c.service->process().stderr_text();
  auto count = [&](const std::string& text) {
    int n = 0;
    for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
      ++n;
    return n;
  };
  std::cout << "[ reloads  ] " << reloads << " sent, " << count("applied generation") << " applied, "
            << count("consumers restarted: hook") << " restarted the consumer\n";
  EXPECT_GE(reloads, 10) << "the load ended before the reloads could matter";
  EXPECT_GE(count("consumers restarted: hook"), reloads / 4) << log;
}

TEST(reload_faults, redis_with_a_reload_every_200ms) { reload_every_200ms("redis"); }

TEST(reload_faults, memory_with_a_reload_every_200ms) { reload_every_200ms("memory"); }

}  // namespace
}  // namespace eventrouter::testing
