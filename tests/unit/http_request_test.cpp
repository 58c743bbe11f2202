// transports/http_request: URLs parsed, one request answered by the HTTP server over loopback
// (method, target, headers, body both ways), and what fails said plainly: a closed port, a
// server that never answers within the timeout.

#include "transports/http_request.hpp"

#include "transports/http_server.hpp"

#include "redis_server.hpp"  // free_port

#include <gtest/gtest.h>

#include <future>
#include <stdexcept>

namespace eventrouter::http {
namespace {

using namespace std::chrono_literals;

TEST(http_request, parse_url_splits_host_port_and_path) {
  auto full = parse_url("http://registry.local:8081/base/");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->host, "registry.local");
  EXPECT_EQ(full->port, "8081");
  EXPECT_EQ(full->path, "/base/");

  auto bare = parse_url("http://127.0.0.1");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->port, "80");
  EXPECT_EQ(bare->path, "");

  auto v6 = parse_url("http://[::1]:9000/x");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "9000");
  EXPECT_EQ(v6->path, "/x");
}

TEST(http_request, parse_url_refuses_what_it_cannot_use) {
  for (auto text : {"https://x", "x:80", "http://", "http://:80/", "http://x:/", "http://user:pw@x/", "http://[::1",
                    "http://[::1]x"})
    EXPECT_FALSE(parse_url(text)) << text;
}

TEST(http_request, fetch_sends_method_target_headers_and_body_and_returns_the_answer) {
  server s{{"127.0.0.1", 0, 1024, 1}, [](request&& req, responder respond) {
             respond({201, "text/plain",
                      req.method + " " + req.path + "?" + req.query + " " +
                        std::string(req.header("x-probe").value_or("-")) + " " + req.body,
                      {}});
           }};
  s.start();
  url where{"127.0.0.1", std::to_string(s.port()), ""};
  auto r = fetch(where, "POST", "/v1/x?a=1", {{"x-probe", "yes"}}, "hello", 2s);
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(r.body, "POST /v1/x?a=1 yes hello");

  auto got = get("http://127.0.0.1:" + std::to_string(s.port()) + "/metrics", 2s);
  EXPECT_EQ(got.body, "GET /metrics? - ");
}

TEST(http_request, a_closed_port_throws_connection_refused) {
  auto port = std::to_string(testing::free_port());
  try {
    get("http://127.0.0.1:" + port + "/", 2s);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "Connection refused");
  }
}

TEST(http_request, a_server_that_never_answers_costs_the_timeout) {
  std::promise<responder> held;  // answered only after the client gave up
  server s{{"127.0.0.1", 0, 1024, 1}, [&](request&&, responder respond) { held.set_value(std::move(respond)); }};
  s.start();
  auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(get("http://127.0.0.1:" + std::to_string(s.port()) + "/", 300ms), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  held.get_future().get()({200, "text/plain", "late", {}});
}

TEST(http_request, get_refuses_an_address_it_cannot_use) {
  EXPECT_THROW(get("localhost:8080/", 1s), std::invalid_argument);
}

}  // namespace
}  // namespace eventrouter::http
