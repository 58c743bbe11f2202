// A webhook URL with credentials, on the real binary: they go to the webhook as Basic
// authorization, the Host header carries the port, and the password never shows — not in a
// failure's log line, not in /v1/consumers.

#include "eventually.hpp"
#include "service_under_test.hpp"
#include "webhook_server.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(webhook_credentials, go_as_basic_authorization_with_the_port_in_host_and_the_password_never_shows) {
  webhook_server hook([](std::size_t call) { return call == 0 ? 503u : 200u; });  // one failure, then delivered
  auto authority = "127.0.0.1:" + std::to_string(hook.port());
  service_under_test service{R"({
    "http": { "listen": "127.0.0.1:0" },
    "reload": { "watch_file": false },
    "producer_config": { ")" + std::string(xblock_published_type) + R"(": {
      "hooks": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ { "name": "hook", "topic": "hooks", "group_id": "g", "poll_timeout_ms": 100,
      "sink": { "type": "http", "url": "http://user:p%40ss@)" + authority + R"(/x" },
      "retry": { "max_attempts": 3, "backoff_ms": [20, 40] } } ]
  })"};
  auto reply = service.post(structured_mode, json::serialize(xblock_published_event("basic-1", "block-v1:k")));
  ASSERT_EQ(reply.status, 202u) << reply.body;
  ASSERT_TRUE(hook.await_calls(2, 10s));

  for (const auto& request : hook.requests()) {
    EXPECT_EQ(request.path, "/x");
    EXPECT_EQ(request.header("authorization"), "Basic dXNlcjpwQHNz");  // base64("user:p@ss")
    EXPECT_EQ(request.header("host"), authority);
    EXPECT_EQ(request.header("ce-id"), "basic-1");
  }
  auto& process = service.process();
  ASSERT_TRUE(process.wait_for_stderr([](const std::string& l) { return has(l, "delivery failed"); }, 10s))
    << process.stderr_text();
  EXPECT_TRUE(has(process.stderr_text(), "http://user:***@" + authority + "/x answered 503")) << process.stderr_text();
  ASSERT_TRUE(eventually([&] { return service.consumer("hook").at("delivered").to_number<std::int64_t>() == 1; }))
    << json::serialize(service.consumers());
  auto consumers = service.get("/v1/consumers").body;
  for (const auto* password : {"p@ss", "p%40ss"}) {
    EXPECT_FALSE(has(process.stderr_text(), password)) << process.stderr_text();
    EXPECT_FALSE(has(consumers, password)) << consumers;
  }
}

}  // namespace
}  // namespace eventrouter::testing
