#pragma once
// The Prometheus text exposition format (0.0.4) read back into samples, for `eventrouter top`,
// which watches a running service through its /metrics. Comments (# HELP, # TYPE) and blank
// lines are passed over, and so is a line that is not a sample: a reader of another process's
// output should show what it understands rather than nothing.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventrouter::metrics {

struct sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // as written, values unescaped
  double value = 0;  // NaN, +Inf and -Inf included

  std::string_view label(std::string_view label_name) const;  // "" when the sample has none
};

std::vector<sample> parse_text(std::string_view text);

}  // namespace eventrouter::metrics
