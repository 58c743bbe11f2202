#include "usable_cpus.hpp"

#include <algorithm>
#include <fstream>
#include <string>
#include <thread>

#include <sched.h>

namespace eventrouter {

namespace {

// cgroup v2's cpu.max is "QUOTA PERIOD" in microseconds, or "max PERIOD" without a quota.
unsigned quota_cpus(const std::filesystem::path& cpu_max) {
  std::ifstream file(cpu_max);
  std::string quota;
  double period = 0;
  if (!(file >> quota >> period) || quota == "max" || period <= 0)
    return 0;
  try {
    auto cpus = std::stod(quota) / period;
    return cpus > 0 ? static_cast<unsigned>(cpus + 0.999) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

unsigned usable_cpus(const std::filesystem::path& cgroup_cpu_max) {
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
    cpus = std::max(1, CPU_COUNT(&allowed));
  if (auto quota = quota_cpus(cgroup_cpu_max); quota > 0)
    cpus = std::min(cpus, quota);
  return cpus;
}

}  // namespace eventrouter
