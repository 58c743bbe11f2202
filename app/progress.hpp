#pragma once
// Progress of a long command (replay, dlq replay) on stderr: "<what>: 1200/1500 delivered,
// 0 malformed, 950 events/s, about 0 s to go".
//
// On a terminal the line is redrawn in place a few times a second, and the last one stays. Into a
// pipe or a file (a job's log) it is one plain line every few seconds, so logs stay readable.

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace eventrouter {

class progress {
 public:
  // `terminal`: whether `out` is a terminal (stderr's, by default).
  progress(std::string what, std::string done_word);
  progress(std::string what, std::string done_word, std::ostream& out, bool terminal);

  std::uint64_t done = 0;
  std::uint64_t malformed = 0;

  // `left`: what remains to do, when known. Shown when its interval has passed since the last
  // time it was shown, and always when `final`.
  void print(std::optional<std::int64_t> left, bool final = false);

 private:
  using clock_type = std::chrono::steady_clock;
  std::string line(std::optional<std::int64_t> left, clock_type::time_point now) const;

  std::string what_;
  std::string done_word_;
  std::ostream& out_;
  bool terminal_;
  clock_type::time_point start_ = clock_type::now();
  std::optional<clock_type::time_point> last_shown_;
};

}  // namespace eventrouter
