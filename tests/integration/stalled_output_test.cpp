// Log sinks print on stdout. A stdout pipe nobody reads holds up the log consumers and nothing
// else: ingest, routing and a webhook consumer go on; the log consumers wait (or back off when
// the lines waiting for stdout reach their limit), and once the pipe is read again they print
// every event — none is lost.

#include "eventually.hpp"
#include "service_under_test.hpp"
#include "text_lines.hpp"
#include "webhook_server.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <set>
#include <thread>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// Every event goes to "printed", read by `log_consumers` log consumers (groups of their own), and
// to "hooks", read by a webhook consumer.
std::string config(const webhook_server& hook, unsigned log_consumers) {
  std::string consumers = R"({ "name": "hook", "topic": "hooks", "group_id": "hook",
                               "sink": { "type": "http", "url": ")" + hook.url() + R"(" } })";
  for (unsigned i = 0; i < log_consumers; ++i)
    consumers += R"(, { "name": "printer-)" + std::to_string(i) + R"(", "topic": "printed", "group_id": "printer-)" +
                 std::to_string(i) + R"(", "sink": { "type": "log" },
                   "retry": { "max_attempts": 3, "backoff_ms": [20, 100] }, "restart_backoff_ms": [20, 200] })";
  return R"({
    "http": { "listen": "127.0.0.1:0" },
    "reload": { "watch_file": false },
    "topics": { "printed": {}, "hooks": {} },
    "producer_config": { ")" + std::string(xblock_published_type) + R"(": {
      "printed": { "event_key_field": "xblock_info.usage_key" },
      "hooks": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ )" + consumers + R"( ]
  })";
}

std::set<std::string> hook_ids(const webhook_server& hook) {
  std::set<std::string> ids;
  for (const auto& r : hook.requests())
    ids.insert(std::string(r.header("ce-id").value_or("")));
  return ids;
}

TEST(stalled_stdout, a_pipe_nobody_reads_holds_up_only_the_log_consumers_and_loses_nothing) {
  webhook_server hook([](std::size_t) { return 200u; });
  // More log consumers than CAF has scheduler threads (at least 4): were a line written on a
  // scheduler thread, every one of them would be blocked there, and nothing would be routed.
  const unsigned log_consumers = std::max(std::thread::hardware_concurrency(), 4u) + 1;
  service_under_test service{config(hook, log_consumers), "stalled-stdout.json", {}, stdout_reading::held};

  // Lines of a thousand events for each log consumer, far more than a pipe holds; meanwhile the
  // service answers and takes events (bounded: a stalled service must fail the test, not hang it).
  std::set<std::string> all;
  for (int batch = 0; batch < 10; ++batch) {
    json::array events;
    for (int i = 0; i < 100; ++i) {
      auto id = "e-" + std::to_string(batch) + "-" + std::to_string(i);
      events.push_back(xblock_published_event(id, "key-" + std::to_string(i % 7)));
      all.insert(id);
    }
    auto reply = http_request_within(5s, service.port(), "POST", "/v1/events", batch_mode, json::serialize(events));
    ASSERT_EQ(reply.status, 202u) << reply.body;
  }
  EXPECT_EQ(http_request_within(5s, service.port(), "GET", "/healthz").status, 200u);

  // The webhook consumer delivers them all...
  auto webhook_has_all = [&] {
    auto got = hook_ids(hook);
    return std::includes(got.begin(), got.end(), all.begin(), all.end());
  };
  EXPECT_TRUE(eventually(webhook_has_all, 60s)) << hook_ids(hook).size() << " of " << all.size()
                                                << " events reached the webhook";
  // ... while the log consumers wait for stdout.
  for (const auto& c : service.consumers()) {
    if (c.at("name").as_string().starts_with("printer-")) {
      EXPECT_LT(c.at("delivered").as_int64(), static_cast<std::int64_t>(all.size())) << json::serialize(c);
    }
  }

  // Read again, stdout gets every event from every log consumer.
  service.process().read_stdout();
  std::set<std::pair<std::string, std::string>> printed;
  std::size_t lines_seen = 0;
  auto every_event_printed = [&] {
    auto lines = service.process().stdout_lines();
    for (; lines_seen < lines.size(); ++lines_seen) {
      auto line = json::parse(lines[lines_seen]).as_object();
      printed.emplace(line.at("consumer").as_string(), line.at("event").at("id").as_string());
    }
    return printed.size() == all.size() * log_consumers;
  };
  EXPECT_TRUE(eventually(every_event_printed, 120s))
    << printed.size() << " of " << all.size() * log_consumers << " (consumer, event) pairs printed";
}

}  // namespace
}  // namespace eventrouter::testing
