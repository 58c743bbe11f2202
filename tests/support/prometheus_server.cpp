#include "prometheus_server.hpp"

#include "scratch_folder.hpp"

#include "http_client.hpp"
#include "redis_server.hpp"  // free_port()

#include <boost/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace eventrouter::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr auto poll_interval = 50ms;
constexpr auto stop_timeout = 15s;

// Percent-encodes everything but RFC 3986's unreserved characters: PromQL is full of {}"=~.
std::string url_encode(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

// Prometheus writes sample values as strings: "40", "1.5e-3", "NaN", "+Inf".
double sample_value(const json::value& pair) {
  const auto& text = pair.as_array().at(1).as_string();
  std::string s(text.data(), text.size());
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0')
    throw std::runtime_error("prometheus_server: a sample value that is no number: " + s);
  return v;
}

std::string prometheus_yml(const std::vector<std::string>& targets) {
  std::string list;
  for (const auto& t : targets)
    list += (list.empty() ? "" : ", ") + json::serialize(json::string(t));  // a JSON string is a YAML string
  // One-second scrapes so a test sees its load soon; the timeout below the interval, as
  // Prometheus requires. No rules, so the evaluation interval does not matter.
  return "global:\n"
         "  scrape_interval: 1s\n"
         "  scrape_timeout: 800ms\n"
         "  evaluation_interval: 1m\n"
         "scrape_configs:\n"
         "  - job_name: eventrouter\n"
         "    scrape_interval: 1s\n"
         "    scrape_timeout: 800ms\n"
         "    metrics_path: /metrics\n"
         "    static_configs:\n"
         "      - targets: [" + list + "]\n";
}

}  // namespace

std::string to_string(const prometheus_result& result) {
  if (result.empty())
    return "(no samples)";
  std::ostringstream out;
  for (const auto& s : result) {
    out << '{';
    bool first = true;
    for (const auto& [name, value] : s.labels) {
      out << (first ? "" : ", ") << name << '=' << json::serialize(json::string(value));
      first = false;
    }
    out << "} " << s.value << '\n';
  }
  return out.str();
}

prometheus_server::prometheus_server(const std::vector<std::string>& targets, std::chrono::milliseconds ready_timeout)
    : port_(free_port()) {
  try {
    dir_ = scratch_folder("eventrouter-prometheus-", port_);
    fs::create_directories(dir_ / "data");
    {
      std::ofstream config(dir_ / "prometheus.yml", std::ios::trunc);
      config << prometheus_yml(targets);
      if (!config.flush())
        throw std::runtime_error("prometheus_server: cannot write " + (dir_ / "prometheus.yml").string());
    }
    std::vector<std::string> args{
      "--config.file=" + (dir_ / "prometheus.yml").string(),
      "--storage.tsdb.path=" + (dir_ / "data").string(),
      "--web.listen-address=127.0.0.1:" + std::to_string(port_),
      // A test's run is minutes: a short retention, and only warnings in the log.
      "--storage.tsdb.retention.time=1h",
      "--log.level=warn",
      // Nothing of the host's own installation: no consoles from /etc/prometheus.
      "--web.console.templates=" + (dir_ / "consoles").string(),
      "--web.console.libraries=" + (dir_ / "console_libraries").string(),
    };
    process_ = start_tied_server("prometheus", std::move(args));

    auto deadline = std::chrono::steady_clock::now() + ready_timeout;
    std::string last;
    for (;;) {
      if (auto status = process_->wait_exit(0ms))
        throw std::runtime_error("prometheus_server: prometheus exited with status " + std::to_string(*status) +
                                 " before it was ready:\n" + log());
      try {
        auto reply = http_request(port_, "GET", "/-/ready");
        if (reply.status == 200)
          break;
        last = std::to_string(reply.status) + " " + reply.body;
      } catch (const std::exception& e) {  // not listening yet
        last = e.what();
      }
      if (std::chrono::steady_clock::now() >= deadline)
        throw std::runtime_error("prometheus_server: " + url() + "/-/ready did not answer 200 within " +
                                 std::to_string(ready_timeout.count()) + " ms (last: " + last + "):\n" + log());
      std::this_thread::sleep_for(poll_interval);
    }
  } catch (...) {
    stop();
    remove_scratch_folder(dir_);
    throw;
  }
}

prometheus_server::~prometheus_server() {
  stop();
  remove_scratch_folder(dir_);
}

void prometheus_server::stop() {
  if (!process_)
    return;
  process_->signal(SIGTERM);
  if (!process_->wait_exit(stop_timeout)) {
    process_->signal(SIGKILL);
    process_->wait_exit(10s);
  }
  process_.reset();
}

prometheus_result prometheus_server::query(const std::string& promql) const {
  auto reply = http_request(port_, "GET", "/api/v1/query?query=" + url_encode(promql));
  json::value doc;
  try {
    doc = json::parse(reply.body);
  } catch (const std::exception&) {
    throw std::runtime_error("prometheus_server: query '" + promql + "' answered " + std::to_string(reply.status) +
                             " with no JSON: " + reply.body);
  }
  const auto& top = doc.as_object();
  if (top.at("status").as_string() != "success") {
    std::string type = top.contains("errorType") ? std::string(top.at("errorType").as_string()) : "error";
    std::string text = top.contains("error") ? std::string(top.at("error").as_string()) : reply.body;
    throw std::runtime_error("prometheus_server: query '" + promql + "' failed (" + std::to_string(reply.status) +
                             ", " + type + "): " + text);
  }
  const auto& data = top.at("data").as_object();
  const auto& type = data.at("resultType").as_string();
  prometheus_result out;
  if (type == "scalar") {
    out.push_back({{}, sample_value(data.at("result"))});
  } else if (type == "vector") {
    for (const auto& item : data.at("result").as_array()) {
      prometheus_sample sample;
      for (const auto& [name, value] : item.at("metric").as_object())
        sample.labels[std::string(name)] = std::string(value.as_string());
      sample.value = sample_value(item.at("value"));
      out.push_back(std::move(sample));
    }
  } else {
    throw std::runtime_error("prometheus_server: query '" + promql + "' gave a " + std::string(type) +
                             "; query() reads instant vectors and scalars");
  }
  return out;
}

prometheus_result prometheus_server::query_until(const std::string& promql,
                                                 const std::function<bool(const prometheus_result&)>& condition,
                                                 std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto result = query(promql);
    if (condition(result) || std::chrono::steady_clock::now() >= deadline)
      return result;
    // A new scrape comes every second: a few polls per scrape see it soon enough.
    std::this_thread::sleep_for(poll_interval);
  }
}

std::string prometheus_server::targets_summary() const {
  try {
    auto reply = http_request(port_, "GET", "/api/v1/targets?state=active");
    auto doc = json::parse(reply.body);  // kept: a range-for would not extend a temporary's life
    std::string out;
    for (const auto& t : doc.at("data").at("activeTargets").as_array()) {
      out += std::string(t.at("scrapeUrl").as_string()) + ": " + std::string(t.at("health").as_string());
      const auto& error = t.at("lastError").as_string();
      if (!error.empty())
        out += " (" + std::string(error) + ")";
      out += "\n";
    }
    return out.empty() ? "(no active targets yet)\n" : out;
  } catch (const std::exception& e) {
    return std::string("(cannot read the targets: ") + e.what() + ")\n";
  }
}

std::string prometheus_server::log() const {
  if (!process_)
    return {};
  std::string text;
  for (const auto& l : process_->stdout_lines())
    text += l + "\n";
  return text + process_->stderr_text();
}

}  // namespace eventrouter::testing
