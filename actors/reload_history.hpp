#pragma once
// What the last reloads did, for GET /v1/reloads and the status page. The config manager
// records each result on its own thread and HTTP threads read a copy: a small mutex-guarded
// ring, as neither side is on the data path.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace eventrouter {

struct reload_result {
  enum class outcome { ok, invalid, failed };
  outcome result = outcome::ok;
  std::uint64_t generation = 0;     // serving after the reload
  std::vector<std::string> errors;  // invalid: every problem in the file; failed: what failed
  std::string changes;              // ok: what changed, as the log line says it
  std::string kind = {};            // failed: the error's kind (actors/failure.hpp), e.g. broker_unreachable
};

std::string to_string(reload_result::outcome);

struct reload_record {
  std::string trigger;  // "start-up", "SIGHUP", "file changed", "POST /admin/reload"
  std::chrono::system_clock::time_point finished;
  reload_result result;
};

class reload_history {
 public:
  // Enough to see what led to the configuration serving; older reloads are in the log.
  static constexpr std::size_t capacity = 20;

  void record(reload_record r);
  std::vector<reload_record> latest() const;  // newest first, at most `capacity`

 private:
  mutable std::mutex mutex_;
  std::deque<reload_record> records_;  // oldest first
};

}  // namespace eventrouter
