#include "usable_cpus.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sched.h>
#include <unistd.h>

using namespace eventrouter;

namespace {

unsigned allowed_cpus() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  sched_getaffinity(0, sizeof allowed, &allowed);
  return static_cast<unsigned>(CPU_COUNT(&allowed));
}

}  // namespace

class usable_cpus_test : public testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove(path_); }

  // A cgroup's cpu.max with the given text, in a file of this test's own.
  std::filesystem::path cpu_max(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }

 private:
  std::filesystem::path path_ = std::filesystem::temp_directory_path() / ("usable_cpus_test." + std::to_string(getpid()));
};

TEST_F(usable_cpus_test, without_a_quota_are_the_cpus_the_affinity_allows) {
  EXPECT_EQ(usable_cpus(cpu_max("max 100000\n")), allowed_cpus());
  EXPECT_EQ(usable_cpus("/nonexistent/cpu.max"), allowed_cpus());
  EXPECT_EQ(usable_cpus(cpu_max("garbage")), allowed_cpus());
}

TEST_F(usable_cpus_test, a_quota_caps_them_rounded_up) {
  EXPECT_EQ(usable_cpus(cpu_max("50000 100000\n")), 1u);  // half a CPU: one thread
  EXPECT_EQ(usable_cpus(cpu_max("100000 100000\n")), 1u);
  EXPECT_EQ(usable_cpus(cpu_max("150000 100000\n")), std::min(2u, allowed_cpus()));
  EXPECT_EQ(usable_cpus(cpu_max("6400000 100000\n")), allowed_cpus());  // more than the machine has
}

TEST_F(usable_cpus_test, an_affinity_of_one_cpu_is_one) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &saved)) {
      CPU_SET(cpu, &one);
      break;
    }
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  auto cpus = usable_cpus("/nonexistent/cpu.max");
  sched_setaffinity(0, sizeof saved, &saved);
  EXPECT_EQ(cpus, 1u);
}
