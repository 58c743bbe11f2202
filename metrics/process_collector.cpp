#include "metrics/process_collector.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace eventrouter::metrics {

namespace {

std::atomic<std::uint64_t> dropped_log_lines{0};

// In /proc's own units (clock ticks, bytes, pages); converting needs sysconf.
struct self_stat {
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  unsigned long long starttime = 0;
  unsigned long long vsize = 0;
  unsigned long long rss = 0;
};

// Files under /proc report size 0, so read to the end rather than by size.
std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad() || text.empty())
    return std::nullopt;
  return text;
}

std::optional<unsigned long long> to_number(std::string_view text) {
  unsigned long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

std::optional<self_stat> read_self_stat() {
  auto text = read_file("/proc/self/stat");
  if (!text)
    return std::nullopt;
  // The second field is the command name in parentheses, and it may hold spaces and ')' of
  // its own; the kernel writes no ')' after it, so the numeric fields follow the last one.
  auto close = text->rfind(')');
  if (close == std::string::npos)
    return std::nullopt;
  std::string_view rest(*text);
  rest.remove_prefix(close + 1);

  // proc(5) numbers the fields from 1; the first after the command name is 3 (state).
  constexpr std::size_t utime = 14, stime = 15, starttime = 22, vsize = 23, rss = 24;
  self_stat out;
  std::size_t number = 2;
  while (number < rss) {
    auto begin = rest.find_first_not_of(" \n");
    if (begin == std::string_view::npos)
      return std::nullopt;
    rest.remove_prefix(begin);
    auto field = rest.substr(0, rest.find_first_of(" \n"));
    rest.remove_prefix(field.size());
    ++number;

    unsigned long long* target = nullptr;
    switch (number) {
      case utime: target = &out.utime; break;
      case stime: target = &out.stime; break;
      case starttime: target = &out.starttime; break;
      case vsize: target = &out.vsize; break;
      case rss: target = &out.rss; break;
      default: continue;
    }
    auto value = to_number(field);
    if (!value)
      return std::nullopt;
    *target = *value;
  }
  return out;
}

// When the machine booted, in Unix seconds: /proc/self/stat gives the start in ticks since then.
std::optional<unsigned long long> read_boot_time() {
  auto text = read_file("/proc/stat");
  if (!text)
    return std::nullopt;
  std::string_view rest(*text);
  while (!rest.empty()) {
    auto line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    constexpr std::string_view key = "btime ";
    if (line.substr(0, key.size()) == key)
      return to_number(line.substr(key.size()));
  }
  return std::nullopt;
}

// Counts the descriptor the listing itself holds open, as the Go and Python clients do.
std::optional<double> count_open_fds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec);
  if (ec)
    return std::nullopt;
  std::size_t count = 0;
  for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
    if (ec)
      return std::nullopt;
    ++count;
  }
  if (ec)
    return std::nullopt;
  return static_cast<double>(count);
}

std::optional<double> max_fds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return std::nullopt;
  if (limit.rlim_cur == RLIM_INFINITY)
    return std::numeric_limits<double>::infinity();
  return static_cast<double>(limit.rlim_cur);
}

void add(std::vector<prometheus::MetricFamily>& out, std::string name, std::string help,
         prometheus::MetricType type, double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter)
    metric.counter.value = value;
  else
    metric.gauge.value = value;
  out.push_back({std::move(name), std::move(help), type, {std::move(metric)}});
}

}  // namespace

std::vector<prometheus::MetricFamily> collect_process_metrics() {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;

  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  const long page_size = sysconf(_SC_PAGESIZE);
  const auto stat = read_self_stat();

  if (stat && ticks_per_second > 0)
    add(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
        MetricType::Counter,
        static_cast<double>(stat->utime + stat->stime) / static_cast<double>(ticks_per_second));
  if (auto fds = count_open_fds())
    add(out, "process_open_fds", "Number of open file descriptors.", MetricType::Gauge, *fds);
  if (auto fds = max_fds())
    add(out, "process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
        *fds);
  if (stat)
    add(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
        static_cast<double>(stat->vsize));
  if (stat && page_size > 0)
    add(out, "process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
        static_cast<double>(stat->rss) * static_cast<double>(page_size));
  if (auto boot = read_boot_time(); boot && stat && ticks_per_second > 0)
    add(out, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
        MetricType::Gauge,
        static_cast<double>(*boot) +
            static_cast<double>(stat->starttime) / static_cast<double>(ticks_per_second));
  add(out, "eventrouter_log_lines_dropped_total",
      "Lines of the service's own log dropped because stderr did not take them (a reader that stopped reading).",
      MetricType::Counter, static_cast<double>(dropped_log_lines.load(std::memory_order_relaxed)));
  return out;
}

void count_dropped_log_line() { dropped_log_lines.fetch_add(1, std::memory_order_relaxed); }

}  // namespace eventrouter::metrics
