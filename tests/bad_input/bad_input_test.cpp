// The bad-input corpus against the real binary on the memory transport with log sinks: every
// case gets its status and an error naming the problem, and the service stays up throughout —
// a valid event posted after every case is delivered exactly as sent, and nothing of a refused
// request is delivered. Broken configuration files are refused by check-config (exit 2) and by
// a reload (422), naming the problem, while the running configuration keeps serving.

#include "corpus.hpp"
#include "service_under_test.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const std::filesystem::path corpus = EVENTROUTER_SOURCE_DIR "/tests/bad_input";
constexpr auto token_env = "EVENTROUTER_BAD_INPUT_TOKEN";
constexpr auto token = "bad-input-admin-token";
constexpr auto config_name = "bad-input.json";

// Short limits, so that the slow and oversized cases are quick; a few connections, so that the
// connection limit is reachable.
const std::string service_config = R"({
  "http": { "listen": "127.0.0.1:0", "max_body_bytes": 65536, "max_batch_events": 10,
            "request_timeout_ms": 800, "max_connections": 4 },
  "reload": { "watch_file": false },
  "admin": { "token_env": ")" + std::string(token_env) + R"(" },
  "producer_config": {
    "org.openedx.content_authoring.xblock.published.v1": { "events": { "event_key_field": "xblock_info.usage_key" } },
  },
  "consumers": [ { "name": "events-log", "topic": "events", "group_id": "g", "sink": { "type": "log" } } ],
})";

// Valid traffic between the cases: data with non-ASCII text and numbers that must survive.
json::object valid_event(std::size_t n) {
  auto ev = base_event("valid-" + std::to_string(n));
  ev["data"].as_object()["title"] = "Ünïcödé ✓ " + std::to_string(n);
  ev["data"].as_object()["weight"] = 0.1 + static_cast<double>(n);
  ev["data"].as_object()["count"] = std::int64_t{-9007199254740993} + static_cast<std::int64_t>(n);
  return ev;
}

class bad_input : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { setenv(token_env, token, 1); }

  service_under_test service{service_config, config_name};
  // The events that must be delivered, exactly once each: id -> data.
  std::map<std::string, json::value> expected;

  // Posts valid event `n`; a connection refused while the limit's test connections close is
  // tried again.
  void post_valid(std::size_t n) {
    auto ev = valid_event(n);
    http_reply reply;
    auto deadline = std::chrono::steady_clock::now() + 5s;
    do
      reply = service.post(structured_mode, json::serialize(ev));
    while (reply.status == 503 && reply.body.find("too many connections") != std::string::npos &&
           std::chrono::steady_clock::now() < deadline);
    ASSERT_EQ(reply.status, 202u) << "valid event " << n << ": " << reply.body;
    expected[std::string(ev.at("id").as_string())] = ev.at("data");
  }

  // Every expected event delivered once with its data as sent, and nothing else.
  void expect_deliveries_exactly_as_sent() {
    std::vector<std::string> missing;
    for (const auto& [id, data] : expected)
      if (service.delivered(id, 1, 10s).empty())
        missing.push_back(id);
    EXPECT_EQ(missing, std::vector<std::string>{});
    std::map<std::string, int> seen;
    for (const auto& line : service.all_delivered()) {
      const auto& ev = line.at("event").as_object();
      std::string id(ev.at("id").as_string());
      ++seen[id];
      auto it = expected.find(id);
      if (it == expected.end()) {
        ADD_FAILURE() << "delivered, but refused or never sent: " << json::serialize(ev).substr(0, 300);
        continue;
      }
      EXPECT_EQ(ev.at("data"), it->second) << id << " was not delivered as sent";
    }
    for (const auto& [id, times] : seen)
      EXPECT_EQ(times, 1) << id << " was delivered " << times << " times";
  }
};

// The error an answer's JSON body gives, or the body as it is.
std::string error_of(const std::string& body) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object() && v.as_object().contains("error") && v.at("error").is_string())
    return std::string(v.at("error").as_string());
  return body;
}

// Whether one of the reload answer's problems holds `text`.
bool names(const json::value& answer, const std::string& text) {
  for (const auto& problem : answer.at("details").as_array())
    if (problem.as_string().find(text) != json::string::npos)
      return true;
  return false;
}

std::string cell(std::string text, std::size_t width) {
  for (auto& c : text)
    if (static_cast<unsigned char>(c) < 0x20)
      c = ' ';
  if (text.size() > width)
    return text.substr(0, width - 1) + "~";
  return text + std::string(width - text.size(), ' ');
}

TEST_F(bad_input, every_request_of_the_corpus_gets_its_answer_and_valid_traffic_flows_throughout) {
  auto cases = read_http_cases(corpus / "http");
  ASSERT_GE(cases.size(), 50u);
  std::printf("%s %s %s %s\n", cell("case", 62).c_str(), cell("expected", 10).c_str(), cell("actual", 10).c_str(),
              "error text");
  std::size_t failed = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    auto answer = raw_exchange(service.port(), c.request, c.pace, 10s);
    bool ok = answer.status == c.status && error_of(answer.body).find(c.error) != std::string::npos &&
              (c.status == 0 || answer.head.find("Content-Type: application/json") != std::string::npos);
    failed += ok ? 0 : 1;
    std::printf("%s %s %s %s\n", cell(c.category + ": " + c.name, 62).c_str(), cell(std::to_string(c.status), 10).c_str(),
                cell(std::to_string(answer.status) + (ok ? "" : " FAIL"), 10).c_str(), cell(answer.body, 120).c_str());
    EXPECT_TRUE(ok) << c.category << ": " << c.name << ": expected " << c.status << " with \"" << c.error << "\", got "
                    << answer.status << " after " << answer.took.count() << " ms: " << answer.head << "\n"
                    << answer.body;
    if (c.delivered)
      expected[std::string(c.delivered->at("id").as_string())] = c.delivered->at("data");
    post_valid(i);
  }
  std::printf("%zu cases, %zu failed\n", cases.size(), failed);
  std::fflush(stdout);
  expect_deliveries_exactly_as_sent();
  EXPECT_EQ(service.get("/healthz").status, 200u);
  // What the server refused itself is counted, by reason.
  auto metrics = service.get("/metrics").body;
  for (auto [reason, status] : {std::pair{"timeout", 408u}, {"header_too_large", 431u}}) {
    auto expected_count = std::count_if(cases.begin(), cases.end(), [&](const auto& c) { return c.status == status; });
    auto series = "eventrouter_http_requests_refused_total{reason=\"" + std::string(reason) + "\"} " +
                  std::to_string(expected_count) + "\n";
    EXPECT_NE(metrics.find(series), std::string::npos) << series << metrics;
  }
}

TEST_F(bad_input, every_broken_configuration_is_refused_naming_the_problem_and_the_running_one_keeps_serving) {
  auto cases = read_config_cases(corpus / "config");
  ASSERT_GE(cases.size(), 10u);
  const header_list admin = {{"authorization", std::string("Bearer ") + token}};
  auto service_file = write_temp(config_name, service_config);
  std::size_t n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.category + ": " + c.name);
    auto checked_file = c.text ? write_temp("bad-input-check.json", *c.text) : service_file + ".missing";
    auto checked = run_to_end(EVENTROUTER_BINARY, {"check-config", checked_file}, 20s);
    if (!c.error) {
      EXPECT_EQ(checked.exit_code, 0) << checked.err;
      std::printf("%s check-config %d (accepted)\n", cell(c.category + ": " + c.name, 62).c_str(), checked.exit_code);
      continue;
    }
    EXPECT_EQ(checked.exit_code, 2) << checked.err;
    EXPECT_NE(checked.err.find(*c.error), std::string::npos) << checked.err;

    if (c.text)
      write_temp(config_name, *c.text);
    else
      std::filesystem::remove(service_file);
    auto reply = http_request(service.port(), "POST", "/admin/reload", admin);
    EXPECT_EQ(reply.status, 422u) << reply.body;
    EXPECT_NE(reply.body.find("still serving generation 1"), std::string::npos) << reply.body;
    EXPECT_TRUE(names(json::parse(reply.body), *c.error)) << reply.body;
    std::printf("%s check-config %d, reload %u\n", cell(c.category + ": " + c.name, 62).c_str(), checked.exit_code,
                reply.status);
    post_valid(n++);
  }
  // The good file reloads again: generation 2.
  write_temp(config_name, service_config);
  auto reply = http_request(service.port(), "POST", "/admin/reload", admin);
  EXPECT_EQ(reply.status, 200u) << reply.body;
  post_valid(n++);
  expect_deliveries_exactly_as_sent();
}

}  // namespace
}  // namespace eventrouter::testing
