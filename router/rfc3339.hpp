#pragma once
// RFC 3339 date-times, as CloudEvents' `time` and the replay command's --from-time use them:
// 2023-06-09T14:12:45.320819+00:00, 2024-01-02T03:04:05Z.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace eventrouter {

// The instant, or nullopt for text that is not an RFC 3339 date-time, or one outside the
// years 1678 to 2261 that a system_clock time point holds.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

// Whether a valid RFC 3339 time is written in UTC (Z, +00:00 or -00:00).
bool is_utc(std::string_view text);

// As Open edX writes times: UTC, microseconds, "+00:00" (2023-06-09T14:12:45.320819+00:00).
std::string format_rfc3339(std::chrono::system_clock::time_point t);

}  // namespace eventrouter
