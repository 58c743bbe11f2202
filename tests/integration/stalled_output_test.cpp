// Log sinks print on stdout, the service logs on stderr; either may be a pipe nobody reads.
// - A stalled stdout holds up the log consumers and nothing else: ingest, routing and a webhook
//   consumer go on; the log consumers wait (or back off when the lines waiting for stdout reach
//   their limit), and once the pipe is read again they print every event — none is lost.
// - A stalled stderr holds up nothing: consumers that log a line per failed try go on, the lines
//   stderr cannot take are dropped and counted, and once it is read again a line says how many.

#include "eventually.hpp"
#include "service_under_test.hpp"
#include "text_lines.hpp"
#include "webhook_server.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
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

// A thousand events in batches of a hundred, each answered within 5 s (a stalled service must fail
// the test, not hang it); their ids, or fewer (the test failed) when a batch was refused.
std::set<std::string> post_thousand_events(service_under_test& service) {
  std::set<std::string> ids;
  for (int batch = 0; batch < 10; ++batch) {
    json::array events;
    for (int i = 0; i < 100; ++i) {
      auto id = "e-" + std::to_string(batch) + "-" + std::to_string(i);
      events.push_back(xblock_published_event(id, "key-" + std::to_string(i % 7)));
      ids.insert(id);
    }
    auto reply = http_request_within(5s, service.port(), "POST", "/v1/events", batch_mode, json::serialize(events));
    EXPECT_EQ(reply.status, 202u) << reply.body;
    if (reply.status != 202u)
      return {};
  }
  return ids;
}

TEST(stalled_stdout, a_pipe_nobody_reads_holds_up_only_the_log_consumers_and_loses_nothing) {
  webhook_server hook([](std::size_t) { return 200u; });
  // More log consumers than CAF has scheduler threads (at least 4): were a line written on a
  // scheduler thread, every one of them would be blocked there, and nothing would be routed.
  const unsigned log_consumers = std::max(std::thread::hardware_concurrency(), 4u) + 1;
  service_under_test service{config(hook, log_consumers), "stalled-stdout.json", {}, stdout_reading::held};

  // Lines of a thousand events for each log consumer, far more than a pipe holds; meanwhile the
  // service answers and takes events.
  auto all = post_thousand_events(service);
  ASSERT_EQ(all.size(), 1000u);
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

namespace eventrouter::testing {
namespace {

// `failing` webhook consumers (groups of their own) whose every try fails and is logged; each
// dead-letters the event after two tries to "dead", which one log consumer prints on stdout.
std::string failing_config(const webhook_server& hook, unsigned failing) {
  std::string consumers = R"({ "name": "dead-printer", "topic": "dead", "group_id": "dead", "sink": { "type": "log" } })";
  for (unsigned i = 0; i < failing; ++i)
    consumers += R"(, { "name": "failing-)" + std::to_string(i) + R"(", "topic": "hooks", "group_id": "failing-)" +
                 std::to_string(i) + R"(", "sink": { "type": "http", "url": ")" + hook.url() + R"(", "concurrency": 16 },
                   "retry": { "max_attempts": 2, "backoff_ms": [1, 2] }, "dead_letter_topic": "dead",
                   "consecutive_errors_limit": 1000000 })";
  return R"({
    "http": { "listen": "127.0.0.1:0" },
    "reload": { "watch_file": false },
    "topics": { "hooks": {}, "dead": {} },
    "producer_config": { ")" + std::string(xblock_published_type) + R"(": {
      "hooks": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ )" + consumers + R"( ]
  })";
}

std::uint64_t dropped_log_lines(service_under_test& service) {
  auto text = service.get("/metrics").body;
  const std::string name = "\neventrouter_log_lines_dropped_total ";
  auto at = text.find(name);
  if (at == std::string::npos)
    return 0;
  double value = 0;
  std::from_chars(text.data() + at + name.size(), text.data() + text.size(), value);
  return static_cast<std::uint64_t>(value);
}

// What the warnings about dropped lines said, summed.
std::uint64_t dropped_as_logged(service_process& process) {
  std::uint64_t sum = 0;
  for (const auto& line : lines_of(process.stderr_text())) {
    if (line.find("log lines were dropped") == std::string::npos)
      continue;
    sum += std::stoull(std::string(json::parse(line).at("dropped").as_string()));
  }
  return sum;
}

TEST(stalled_stderr, a_pipe_nobody_reads_holds_nothing_up_and_what_it_dropped_is_counted_and_told) {
  webhook_server hook([](std::size_t) { return 500u; });
  // More logging consumers than CAF has scheduler threads (at least 4): were a log line written
  // on a scheduler thread, each would be blocked there, and nothing would be dead-lettered.
  const unsigned failing = std::max(std::thread::hardware_concurrency(), 4u) + 1;
  service_under_test service{failing_config(hook, failing), "stalled-stderr.json"};
  service.process().hold_stderr();

  // Two log lines per event and consumer (a retry, then the dead-lettering): megabytes, far more
  // than the pipe and the log's queue hold.
  auto all = post_thousand_events(service);
  ASSERT_EQ(all.size(), 1000u);

  // Every failing consumer dead-letters every event while stderr is stalled...
  std::set<std::pair<std::string, std::string>> dead;
  std::size_t lines_seen = 0;
  auto every_event_dead_lettered = [&] {
    auto lines = service.process().stdout_lines();
    for (; lines_seen < lines.size(); ++lines_seen) {
      auto event = json::parse(lines[lines_seen]).as_object().at("event").as_object();
      dead.emplace(event.at("dlq_consumer").as_string(), event.at("id").as_string());
    }
    return dead.size() == all.size() * failing;
  };
  EXPECT_TRUE(eventually(every_event_dead_lettered, 60s))
    << "exit status (-1: running) " << service.process().wait_exit(0ms).value_or(-1) << "; " << dead.size() << " of "
    << all.size() * failing << " (consumer, event) pairs dead-lettered";
  // ... and the log lines it could not take were dropped and counted.
  auto dropped = dropped_log_lines(service);
  EXPECT_GT(dropped, 0u);

  // Read again, the next line written is preceded by a warning saying how many were dropped. Lines
  // logged while the queue drains may be dropped too: each check posts an event that logs more.
  service.process().read_stderr();
  int after = 0;
  auto every_drop_told = [&] {
    auto reply = http_request_within(5s, service.port(), "POST", "/v1/events", structured_mode,
                                     json::serialize(xblock_published_event("after-" + std::to_string(after++), "k")));
    return reply.status == 202u && dropped_as_logged(service.process()) == dropped_log_lines(service);
  };
  EXPECT_TRUE(eventually(every_drop_told, 20s))
    << "warnings told of " << dropped_as_logged(service.process()) << " dropped lines, the metric counts "
    << dropped_log_lines(service);
  EXPECT_GE(dropped_log_lines(service), dropped);
}

}  // namespace
}  // namespace eventrouter::testing
