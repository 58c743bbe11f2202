#include "actors/service_log.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace eventrouter {

namespace {

const char* name(log_level level) {
  switch (level) {
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "info";
}

std::string utc_now() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis));
  return buf;
}

}  // namespace

void log_line(log_level level, std::string_view message) {
  std::string line = "{\"time\":\"" + utc_now() + "\",\"level\":\"" + name(level) + "\",\"msg\":";
  line += boost::json::serialize(boost::json::string(message));
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace eventrouter
