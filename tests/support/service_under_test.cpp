#include "service_under_test.hpp"

#include "eventually.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include <unistd.h>

namespace eventrouter::testing {

namespace json = boost::json;
using namespace std::chrono_literals;

json::object xblock_published_event(const std::string& id, const std::string& usage_key) {
  return {{"specversion", "1.0"},
          {"type", xblock_published_type},
          {"id", id},
          {"source", "openedx/cms/web"},
          {"time", "2023-06-09T14:12:45.320819+00:00"},
          {"sourcehost", "cms.example"},
          {"data", {{"xblock_info", {{"usage_key", usage_key}, {"block_type", "problem"}}}}}};
}

std::string write_temp(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / ("eventrouter-it-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

service_under_test::service_under_test(const std::string& config_text, const std::string& file_name,
                                       const std::vector<std::string>& run_options, stdout_reading reading) {
  std::vector<std::string> args{"run", "--config", write_temp(file_name, config_text)};
  args.insert(args.end(), run_options.begin(), run_options.end());
  process_ = std::make_unique<service_process>(EVENTROUTER_BINARY, args, reading);
  auto line = process_->wait_for_stderr(
    [](const std::string& l) { return l.find("listening on http://") != std::string::npos; }, 20s);
  std::smatch m;
  if (!line || !std::regex_search(*line, m, std::regex(R"(http://[^:]+:(\d+))")))
    throw std::runtime_error("the service did not start:\n" + process_->stderr_text());
  port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
}

http_reply service_under_test::post(const header_list& headers, const std::string& body) {
  return http_request(port_, "POST", "/v1/events", headers, body);
}

http_reply service_under_test::get(const std::string& target) { return http_request(port_, "GET", target); }

std::vector<json::object> service_under_test::delivered(const std::string& id, std::size_t n,
                                                        std::chrono::milliseconds timeout) {
  auto needle = "\"id\":" + json::serialize(json::string(id)) + ",";
  auto lines = process_->wait_for_stdout_count(
    [&](const std::string& l) { return l.find(needle) != std::string::npos; }, n, timeout);
  std::vector<json::object> out;
  for (const auto& l : lines)
    out.push_back(json::parse(l).as_object());
  return out;
}

std::vector<json::object> service_under_test::all_delivered() {
  std::vector<json::object> out;
  for (const auto& l : process_->stdout_lines())
    out.push_back(json::parse(l).as_object());
  return out;
}

json::array service_under_test::consumers() {
  auto reply = get("/v1/consumers");
  if (reply.status != 200)
    throw std::runtime_error("/v1/consumers answered " + std::to_string(reply.status) + ": " + reply.body);
  return json::parse(reply.body).at("consumers").as_array();
}

json::object service_under_test::consumer(const std::string& name) {
  for (const auto& c : consumers())
    if (c.at("name").as_string() == name)
      return c.as_object();
  throw std::runtime_error("no consumer " + name);
}

std::vector<std::string> ids_of(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines)
    out.emplace_back(json::parse(line).at("id").as_string());
  return out;
}

std::vector<std::string> post_events(service_under_test& service, const std::string& prefix, int n, int batch,
                                     int keys) {
  std::vector<std::string> accepted;
  for (int first = 0; first < n; first += batch) {
    json::array events;
    std::vector<std::string> ids;
    for (int i = first; i < std::min(n, first + batch); ++i) {
      ids.push_back(prefix + std::to_string(i));
      events.push_back(xblock_published_event(ids.back(), "key-" + std::to_string(i % keys)));
    }
    if (service.post(batch_mode, json::serialize(events)).status == 202)
      accepted.insert(accepted.end(), ids.begin(), ids.end());
  }
  return accepted;
}

std::map<std::string, int> deliveries(std::initializer_list<service_under_test*> runs,
                                      const std::string& consumer_prefix) {
  std::map<std::string, int> seen;
  for (auto* run : runs)
    for (const auto& line : run->all_delivered())
      if (line.at("consumer").as_string().starts_with(consumer_prefix))
        seen[std::string(line.at("event").at("id").as_string())]++;
  return seen;
}

std::vector<std::string> await_all(std::initializer_list<service_under_test*> runs, const std::vector<std::string>& ids,
                                   std::chrono::milliseconds timeout, const std::string& consumer_prefix) {
  std::vector<std::string> missing;
  eventually(
    [&] {
      auto seen = deliveries(runs, consumer_prefix);
      missing.clear();
      for (const auto& id : ids)
        if (!seen.count(id))
          missing.push_back(id);
      return missing.empty();
    },
    timeout);
  return missing;
}

}  // namespace eventrouter::testing
