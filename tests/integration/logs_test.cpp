// The service's log as an operator reads it: `--log-format text` for people, `--log-level`
// filtering, no secret ever on stderr or in /v1, and failure lines that say what failed, for
// which event, and what happens next.

#include "eventually.hpp"
#include "redis_server.hpp"
#include "service_under_test.hpp"
#include "webhook_server.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <regex>
#include <sstream>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const std::string password = "pa55-w0rd-not-for-logs";

// A Redis topic and its log consumer, with Redis's URL carrying a user and a password; nothing
// listens on its port, so the consumer fails to connect, again and again.
std::string redis_down_config(const std::string& redis_url) {
  return R"({
    "http": { "listen": "127.0.0.1:0" },
    "reload": { "watch_file": false },
    "transports": { "redis": { "url": ")" + redis_url + R"(", "reconnect_backoff_ms": [20, 100] } },
    "topics": { "lifecycle": { "transport": "redis" } },
    "producer_config": { ")" + std::string(xblock_published_type) + R"(": {
      "lifecycle": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ { "name": "lifecycle-log", "topic": "lifecycle", "group_id": "g", "sink": { "type": "log" },
                     "consecutive_errors_limit": 2, "restart_backoff_ms": [20, 100] } ]
  })";
}

bool has(const std::string& line, const std::string& part) { return line.find(part) != std::string::npos; }

// Every line is an entry in text form or an indented continuation of a message's own lines.
std::vector<std::string> not_text_entries(const std::string& stderr_text) {
  static const std::regex entry(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO |WARN |ERROR) \S.*)");
  std::vector<std::string> odd;
  std::istringstream lines(stderr_text);
  for (std::string line; std::getline(lines, line);)
    if (!std::regex_match(line, entry) && !line.starts_with("  "))
      odd.push_back(line);
  return odd;
}

TEST(logs, text_lines_say_what_failed_and_what_next_and_never_show_the_redis_password) {
  auto redis_url = "redis://operator:" + password + "@127.0.0.1:" + std::to_string(free_port()) + "/0";
  service_under_test service{redis_down_config(redis_url), "logs-redis-down.json", {"--log-format", "text"}};
  auto& process = service.process();

  // The consumer cannot connect: each failed poll says what comes next, then its restart.
  EXPECT_TRUE(process.wait_for_stderr(
    [](const std::string& l) {
      return has(l, " WARN  poll failed: redis at 127.0.0.1:") && has(l, " consumer=lifecycle-log ") &&
             has(l, R"(next="poll again in 20 ms")");
    },
    20s))
    << process.stderr_text();
  EXPECT_TRUE(process.wait_for_stderr(
    [](const std::string& l) {
      return has(l, " ERROR poll failed: ") &&
             has(l, R"x(next="consumer restarting: 2 consecutive failures (limit 2)")x");
    },
    20s))
    << process.stderr_text();
  EXPECT_TRUE(process.wait_for_stderr(
    [](const std::string& l) {
      return has(l, " WARN  consumer failed: 2 consecutive failures") && has(l, " consumer=lifecycle-log ") &&
             has(l, R"(next="restart in )");
    },
    20s))
    << process.stderr_text();

  // A reload of a file whose URL is broken quotes the URL: masked in the log and in /v1/reloads.
  write_temp("logs-redis-down.json", redis_down_config("redis://operator:" + password + "@127.0.0.1:port/0"));
  process.signal(SIGHUP);
  ASSERT_TRUE(process.wait_for_stderr([](const std::string& l) { return has(l, " ERROR reload (SIGHUP) refused"); },
                                      20s))
    << process.stderr_text();
  EXPECT_TRUE(process.wait_for_stderr(
    [](const std::string& l) { return l.starts_with("  ") && has(l, "redis://operator:***@127.0.0.1:port/0"); }, 5s))
    << process.stderr_text();
  auto reloads = service.get("/v1/reloads").body;
  EXPECT_TRUE(has(reloads, "redis://operator:***@127.0.0.1:port/0")) << reloads;
  for (const auto* endpoint : {"/v1/reloads", "/v1/consumers", "/v1/routes", "/readyz"})
    EXPECT_FALSE(has(service.get(endpoint).body, password)) << endpoint;

  auto text = process.stderr_text();
  EXPECT_FALSE(has(text, password)) << text;
  EXPECT_EQ(not_text_entries(text), std::vector<std::string>{}) << text;
}

// A webhook consumer with a dead-letter topic; the webhook fails each event's first try with
// 503 (retry) and its second with 400 (dead-lettered).
std::string webhook_config(std::uint16_t port, const webhook_server& hook) {
  return R"({
    "http": { "listen": "127.0.0.1:)" + std::to_string(port) + R"(" },
    "reload": { "watch_file": false },
    "producer_config": { ")" + std::string(xblock_published_type) + R"(": {
      "hooks": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ { "name": "hook", "topic": "hooks", "group_id": "g", "poll_timeout_ms": 100,
      "sink": { "type": "http", "url": ")" + hook.url() + R"(", "headers": { "authorization": "Bearer hook-token-1" } },
      "retry": { "max_attempts": 3, "backoff_ms": [20, 40] }, "dead_letter_topic": "hooks-dlq" } ]
  })";
}

TEST(logs, at_level_warn_only_warnings_and_errors_are_written_with_the_event_they_are_about) {
  webhook_server hook([](std::size_t call) { return call == 0 ? 503u : 400u; });
  auto port = free_port();
  auto path = write_temp("logs-warn.json", webhook_config(port, hook));
  service_process process{EVENTROUTER_BINARY, {"run", "--config", path, "--log-level", "warn"}};
  // Nothing at info says where it listens: the port is the configuration's.
  ASSERT_TRUE(eventually([&] {
    try {
      return http_request(port, "GET", "/readyz").status == 200;
    } catch (const std::exception&) {
      return false;  // not listening yet
    }
  }, 20s)) << process.stderr_text();
  auto reply = http_request(port, "POST", "/v1/events", structured_mode,
                            json::serialize(xblock_published_event("logged-1", "block-v1:k")));
  ASSERT_EQ(reply.status, 202u) << reply.body;
  ASSERT_TRUE(process.wait_for_stderr([](const std::string& l) { return has(l, "dead-lettered"); }, 20s))
    << process.stderr_text();
  process.signal(SIGTERM);
  ASSERT_EQ(process.wait_exit(20s), 0) << process.stderr_text();

  std::vector<json::object> entries;
  std::istringstream lines(process.stderr_text());
  for (std::string line; std::getline(lines, line);)
    entries.push_back(json::parse(line).as_object());
  ASSERT_EQ(entries.size(), 2u) << process.stderr_text();  // no info line: not "listening", not "drained"
  const auto& retry = entries[0];
  EXPECT_EQ(retry.at("level"), "warn");
  EXPECT_TRUE(retry.at("msg").as_string().starts_with("delivery failed: ")) << retry;
  EXPECT_EQ(retry.at("consumer"), "hook");
  EXPECT_EQ(retry.at("event_id"), "logged-1");
  EXPECT_EQ(retry.at("event_type"), xblock_published_type);
  EXPECT_EQ(retry.at("topic"), "hooks");
  EXPECT_EQ(retry.at("attempt"), "1/3");
  EXPECT_TRUE(std::regex_match(std::string(retry.at("next").as_string()), std::regex("retry in \\d+ ms"))) << retry;
  const auto& dead = entries[1];
  EXPECT_EQ(dead.at("level"), "error");
  EXPECT_TRUE(has(std::string(dead.at("msg").as_string()), "400")) << dead;
  EXPECT_EQ(dead.at("event_id"), "logged-1");
  EXPECT_EQ(dead.at("attempt"), "2/3");
  EXPECT_EQ(dead.at("next"), "dead-lettered to topic 'hooks-dlq'");
  EXPECT_FALSE(has(process.stderr_text(), "hook-token-1"));
}

TEST(logs, a_bad_log_option_is_a_usage_error) {
  service_process bad_format{EVENTROUTER_BINARY, {"run", "--config", "x.json", "--log-format", "yaml"}};
  EXPECT_EQ(bad_format.wait_exit(20s), 2);
  EXPECT_TRUE(has(bad_format.stderr_text(), "--log-format is 'yaml'; expected json or text"))
    << bad_format.stderr_text();
  service_process bad_level{EVENTROUTER_BINARY, {"run", "--config", "x.json", "--log-level", "verbose"}};
  EXPECT_EQ(bad_level.wait_exit(20s), 2);
  EXPECT_TRUE(has(bad_level.stderr_text(), "--log-level is 'verbose'")) << bad_level.stderr_text();
}

}  // namespace
}  // namespace eventrouter::testing
