#pragma once
// How many CPUs this process can keep busy at once: the CPUs its affinity allows (taskset, a
// container's cpuset), and no more than its cgroup's CPU quota (a container's `--cpus`, a
// Kubernetes CPU limit), rounded up. std::thread::hardware_concurrency counts the machine's.

#include <filesystem>

namespace eventrouter {

unsigned usable_cpus(const std::filesystem::path& cgroup_cpu_max = "/sys/fs/cgroup/cpu.max");

}  // namespace eventrouter
