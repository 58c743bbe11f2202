#pragma once
// The service's own log: one JSON object per line on stderr, so it never mixes with what a
// log sink prints on stdout.

#include <string_view>

namespace eventrouter {

enum class log_level { info, warn, error };

void log_line(log_level level, std::string_view message);

}  // namespace eventrouter
