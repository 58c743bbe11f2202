#pragma once
// What the benchmark programs share: the event they send and how they summarize runs.

#include <boost/json.hpp>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace eventrouter::bench {

// An xblock.published event numbered `seq` (data.seq), as a producer posts it.
inline boost::json::object event_json(std::size_t seq) {
  return {{"specversion", "1.0"},
          {"type", "org.openedx.content_authoring.xblock.published.v1"},
          {"id", "bench-" + std::to_string(seq)},
          {"source", "openedx/cms/web"},
          {"time", "2023-06-09T14:12:45.320819+00:00"},
          {"data", {{"seq", seq},
                    {"xblock_info", {{"usage_key", "block-v1:edX+Demo+2024+type@problem+block@" +
                                                       std::to_string(seq % 1000)},
                                     {"block_type", "problem"}}}}}};
}

// One path's result: events (or requests) per second and per-event latency.
struct figures {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
};

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The value at quantile q of sorted samples.
inline double quantile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
}

// "--flag number" pairs, each number handed to its flag's setter; false, having said so, for a
// flag that has none.
inline bool read_number_flags(int argc, char** argv, const std::map<std::string, std::function<void(double)>>& setters,
                              const char* program) {
  for (int i = 1; i + 1 < argc; i += 2) {
    auto setter = setters.find(argv[i]);
    if (setter == setters.end()) {
      std::cerr << program << ": unknown flag " << argv[i] << "\n";
      return false;
    }
    setter->second(std::stod(argv[i + 1]));
  }
  return true;
}

}  // namespace eventrouter::bench
