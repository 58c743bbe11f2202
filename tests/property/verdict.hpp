#pragma once
// What the real binary says of a configuration file: `eventrouter check-config FILE` accepts it
// (exit 0) or refuses it listing every problem, one "FILE: $.path: message" each on stderr —
// the same lines `eventrouter run` prints before it refuses to start.

#include <string>
#include <vector>

namespace eventrouter::testing {

struct verdict {
  int exit_code = -1;                 // -1: did not finish in time
  std::vector<std::string> problems;  // "$.path: message", sorted
  std::string output;                 // stdout and stderr, for a report

  bool accepted() const { return exit_code == 0; }
  bool refused() const { return exit_code == 2 && !problems.empty(); }
};

verdict check_config(const std::string& file);

// The problems in what a command printed on stderr about `file`, sorted. A problem quoting a
// value that holds a line feed spans lines: each runs to the next line starting with "FILE: ".
std::vector<std::string> problems_in(const std::string& stderr_text, const std::string& file);

// The problems as one block, one per line, for a report.
std::string listed(const std::vector<std::string>& problems);

}  // namespace eventrouter::testing
