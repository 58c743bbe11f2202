#pragma once
// A webhook for tests: an HTTP server on a free loopback port that records every request and
// answers as the test scripts it — a status per call, or no answer at all (to make the client
// time out) — and counts the events it got: each element of a CloudEvents batch body, one for
// any other request.

#include "transports/http_server.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace eventrouter::testing {

class webhook_server {
 public:
  // The status for the n-th call (0-based); 0 means: never answer.
  using script = std::function<unsigned(std::size_t call)>;

  // The status for the n-th call, which may depend on what it carries.
  using request_script = std::function<unsigned(std::size_t call, const http::request& request)>;

  explicit webhook_server(script answer);
  explicit webhook_server(request_script answer);
  ~webhook_server();

  std::uint16_t port() const { return server_.port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/events"; }

  // One call: what was asked, when it arrived, and the status it got (0: none).
  struct call {
    http::request request;
    std::chrono::steady_clock::time_point arrival;
    unsigned answer;
  };

  std::vector<call> history() const;
  std::vector<http::request> requests() const;
  std::vector<std::chrono::steady_clock::time_point> arrivals() const;
  std::size_t calls() const;
  // Waits until at least `n` calls arrived; false at the deadline.
  bool await_calls(std::size_t n, std::chrono::milliseconds timeout);
  // Events in the calls so far, and waiting until at least `n` arrived (false at the deadline).
  std::size_t events() const;
  bool await_events(std::size_t n, std::chrono::milliseconds timeout);

 private:
  request_script answer_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<call> calls_;
  std::size_t events_ = 0;
  std::vector<http::responder> unanswered_;  // kept until the server stops
  http::server server_;
};

}  // namespace eventrouter::testing
