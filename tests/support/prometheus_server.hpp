#pragma once
// A real Prometheus server (Debian's) for integration tests: started on a free loopback port
// with a private TSDB folder and a generated prometheus.yml whose one job, "eventrouter",
// scrapes the given targets every second; stopped, and its folder removed, when destroyed.
// Tests read what it scraped through its HTTP API (GET /api/v1/query).
//
// Prometheus applies discovered targets at most every 5 s, so the first scrape comes about
// 5 s after the start: wait with query_until, never with a sleep.

#include "service_process.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace eventrouter::testing {

// One element of a query's result: an instant-vector sample (its labels, __name__ included
// when the expression keeps it), or a scalar (no labels).
struct prometheus_sample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

using prometheus_result = std::vector<prometheus_sample>;

// `{job="eventrouter", instance="…"} 40` per line, for failure messages.
std::string to_string(const prometheus_result& result);

class prometheus_server {
 public:
  // Starts Prometheus scraping `targets` ("host:port", path /metrics) and waits until /-/ready
  // answers 200; throws std::runtime_error (with what Prometheus printed) on failure.
  explicit prometheus_server(const std::vector<std::string>& targets,
                             std::chrono::milliseconds ready_timeout = std::chrono::seconds(30));
  ~prometheus_server();  // stops it and removes its folder

  prometheus_server(const prometheus_server&) = delete;
  prometheus_server& operator=(const prometheus_server&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Evaluates `promql` now (GET /api/v1/query). An instant vector gives one sample per series,
  // a scalar one sample without labels; a range vector or a string throws. A query Prometheus
  // refuses throws std::runtime_error with its error type and text.
  prometheus_result query(const std::string& promql) const;

  // Evaluates `promql` until `condition` holds for its result or `timeout` passes (polled at a
  // short interval); returns the last result either way, for the caller to assert on.
  prometheus_result query_until(const std::string& promql,
                                const std::function<bool(const prometheus_result&)>& condition,
                                std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  // Each scrape target with its health and last error (GET /api/v1/targets), for failure messages.
  std::string targets_summary() const;
  // What Prometheus printed (its log), for failure messages.
  std::string log() const;

 private:
  void stop();

  std::uint16_t port_;
  std::filesystem::path dir_;
  std::unique_ptr<service_process> process_;
};

}  // namespace eventrouter::testing
