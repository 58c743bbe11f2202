// transports/http_request: one request answered by the HTTP server over loopback (method, target,
// headers, body both ways; the Host header with its port, credentials as Basic authorization),
// and what fails said plainly: a closed port, a server that never answers within the timeout.

#include "transports/http_request.hpp"

#include "transports/http_server.hpp"

#include "redis_server.hpp"  // free_port

#include <gtest/gtest.h>

#include <future>
#include <stdexcept>

namespace eventrouter::http {
namespace {

using namespace std::chrono_literals;

config::url loopback(std::uint16_t port, std::string user = {}, std::string password = {}) {
  return {"http", "127.0.0.1", port, "/", std::move(user), std::move(password)};
}

TEST(http_request, fetch_sends_method_target_headers_and_body_and_returns_the_answer) {
  server s{{"127.0.0.1", 0, 1024, 1}, [](request&& req, responder respond) {
             respond({201, "text/plain",
                      req.method + " " + req.path + "?" + req.query + " " +
                        std::string(req.header("x-probe").value_or("-")) + " " + req.body,
                      {}});
           }};
  s.start();
  auto r = fetch(loopback(s.port()), "POST", "/v1/x?a=1", {{"x-probe", "yes"}}, "hello", 2s);
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(r.body, "POST /v1/x?a=1 yes hello");
}

TEST(http_request, the_host_header_carries_the_port_and_credentials_go_as_basic_authorization) {
  server s{{"127.0.0.1", 0, 1024, 1}, [](request&& req, responder respond) {
             respond({200, "text/plain",
                      std::string(req.header("host").value_or("-")) + " " +
                        std::string(req.header("authorization").value_or("-")),
                      {}});
           }};
  s.start();
  auto port = std::to_string(s.port());
  EXPECT_EQ(fetch(loopback(s.port()), "GET", "/", {}, {}, 2s).body, "127.0.0.1:" + port + " -");
  // base64("user:p@ss")
  EXPECT_EQ(fetch(loopback(s.port(), "user", "p@ss"), "GET", "/", {}, {}, 2s).body,
            "127.0.0.1:" + port + " Basic dXNlcjpwQHNz");
}

TEST(http_request, a_closed_port_throws_connection_refused) {
  try {
    fetch(loopback(testing::free_port()), "GET", "/", {}, {}, 2s);
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
  EXPECT_THROW(fetch(loopback(s.port()), "GET", "/", {}, {}, 300ms), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  held.get_future().get()({200, "text/plain", "late", {}});
}

}  // namespace
}  // namespace eventrouter::http
