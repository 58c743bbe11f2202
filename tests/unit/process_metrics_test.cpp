#include "metrics/process_collector.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace eventrouter::metrics {
namespace {

using namespace std::chrono_literals;

std::optional<double> value_of(const std::string& name) {
  for (const auto& family : collect_process_metrics()) {
    if (family.name != name || family.metric.size() != 1)
      continue;
    const auto& metric = family.metric.front();
    return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                          : metric.gauge.value;
  }
  return std::nullopt;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Spins on the CPU (not the wall clock), so a loaded machine only makes it take longer.
void burn_cpu(double seconds) {
  const double until = process_cpu_seconds() + seconds;
  volatile std::size_t sink = 0;
  while (process_cpu_seconds() < until)
    for (int i = 0; i < 10000; ++i)
      sink = sink + static_cast<std::size_t>(i);
}

TEST(process_metrics, exposes_the_six_standard_families_and_the_dropped_log_lines_with_their_types) {
  const std::map<std::string, prometheus::MetricType> expected{
      {"process_cpu_seconds_total", prometheus::MetricType::Counter},
      {"process_resident_memory_bytes", prometheus::MetricType::Gauge},
      {"process_virtual_memory_bytes", prometheus::MetricType::Gauge},
      {"process_open_fds", prometheus::MetricType::Gauge},
      {"process_max_fds", prometheus::MetricType::Gauge},
      {"process_start_time_seconds", prometheus::MetricType::Gauge},
      {"eventrouter_log_lines_dropped_total", prometheus::MetricType::Counter},
  };
  const auto families = collect_process_metrics();
  ASSERT_EQ(families.size(), expected.size());
  for (const auto& family : families) {
    SCOPED_TRACE(family.name);
    auto it = expected.find(family.name);
    ASSERT_NE(it, expected.end());
    EXPECT_EQ(family.type, it->second);
    EXPECT_FALSE(family.help.empty());
    ASSERT_EQ(family.metric.size(), 1u);
    EXPECT_TRUE(family.metric.front().label.empty());
  }
  // Everything but CPU time is positive in any running process; CPU time may still be 0 ticks.
  EXPECT_GE(*value_of("process_cpu_seconds_total"), 0.0);
  for (const char* name : {"process_resident_memory_bytes", "process_virtual_memory_bytes",
                           "process_open_fds", "process_max_fds", "process_start_time_seconds"})
    EXPECT_GT(*value_of(name), 0.0) << name;
  const auto dropped = *value_of("eventrouter_log_lines_dropped_total");
  count_dropped_log_line();
  EXPECT_EQ(*value_of("eventrouter_log_lines_dropped_total"), dropped + 1);
  EXPECT_GE(*value_of("process_virtual_memory_bytes"), *value_of("process_resident_memory_bytes"));
  EXPECT_GE(*value_of("process_max_fds"), *value_of("process_open_fds"));
}

TEST(process_metrics, resident_memory_grows_when_memory_is_touched) {
  constexpr std::size_t size = 64u << 20;
  const auto before = value_of("process_resident_memory_bytes");
  ASSERT_TRUE(before);

  auto block = std::make_unique<char[]>(size);
  // Volatile writes, so the compiler cannot drop the allocation or the stores; one per 4 KiB
  // faults in every page whatever the page size.
  volatile char* bytes = block.get();
  for (std::size_t i = 0; i < size; i += 4096)
    bytes[i] = 1;

  // The kernel's RSS counters are per CPU and folded in batches, so the figure can lag a
  // little; poll, and ask for most of the 64 MiB rather than all of it.
  const double wanted = *before + 48.0 * (1 << 20);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::optional<double> after;
  do
    after = value_of("process_resident_memory_bytes");
  while (after && *after < wanted && std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(after);
  EXPECT_GE(*after, wanted) << "before " << *before;
}

TEST(process_metrics, open_fds_follow_open_and_close) {
  const auto before = value_of("process_open_fds");
  ASSERT_TRUE(before);

  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const auto during = value_of("process_open_fds");
  ::close(fd);
  const auto after = value_of("process_open_fds");

  ASSERT_TRUE(during);
  ASSERT_TRUE(after);
  EXPECT_EQ(*during, *before + 1);
  EXPECT_EQ(*after, *before);
}

TEST(process_metrics, cpu_seconds_rise_with_cpu_burned) {
  const double cpu_at_start = process_cpu_seconds();
  const auto first = value_of("process_cpu_seconds_total");
  ASSERT_TRUE(first);

  burn_cpu(0.2);
  // /proc counts in clock ticks; keep burning a little until the next tick shows.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::optional<double> later = value_of("process_cpu_seconds_total");
  while (later && *later <= *first && std::chrono::steady_clock::now() < deadline) {
    burn_cpu(0.01);
    later = value_of("process_cpu_seconds_total");
  }
  const double cpu_burned = process_cpu_seconds() - cpu_at_start;

  ASSERT_TRUE(later);
  EXPECT_GT(*later, *first);
  // In seconds, not ticks: about what the process clock saw, give or take a tick or two.
  EXPECT_GE(*later - *first, 0.1);
  EXPECT_LE(*later - *first, cpu_burned + 0.05);
}

TEST(process_metrics, a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields) {
  char saved[16] = {};
  ASSERT_EQ(prctl(PR_GET_NAME, saved), 0);
  const auto plain = value_of("process_start_time_seconds");
  ASSERT_EQ(prctl(PR_SET_NAME, ") 1 2 (3) 4"), 0);
  const auto odd = value_of("process_start_time_seconds");
  prctl(PR_SET_NAME, saved);
  ASSERT_TRUE(plain);
  ASSERT_TRUE(odd);
  EXPECT_EQ(*odd, *plain);
}

TEST(process_metrics, start_time_is_a_recent_unix_time) {
  const auto start = value_of("process_start_time_seconds");
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_TRUE(start);
  EXPECT_LE(*start, now);
  EXPECT_GT(*start, now - 3600);
}

}  // namespace
}  // namespace eventrouter::metrics
