#pragma once
// Progress of a long command (replay, dlq replay): one plain line on stderr at most every
// second, and a last one at the end — "<what>: 1200 done, 0 malformed, 300 left, 950 events/s,
// about 0 s to go".

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace eventrouter {

class progress {
 public:
  progress(std::string what, std::string done_word) : what_(std::move(what)), done_word_(std::move(done_word)) {}

  std::uint64_t done = 0;
  std::uint64_t malformed = 0;

  void print(std::optional<std::int64_t> left, bool final = false);

 private:
  using clock_type = std::chrono::steady_clock;
  std::string what_;
  std::string done_word_;
  clock_type::time_point start_ = clock_type::now();
  clock_type::time_point last_line_ = start_;
};

}  // namespace eventrouter
