#include "router/rfc3339.hpp"

#include <cstdio>

namespace eventrouter {

namespace {

bool is_digits(std::string_view s, std::size_t from, std::size_t n) {
  if (from + n > s.size())
    return false;
  for (std::size_t i = from; i < from + n; ++i)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view t) {
  if (t.size() < 20 || !is_digits(t, 0, 4) || t[4] != '-' || !is_digits(t, 5, 2) || t[7] != '-' ||
      !is_digits(t, 8, 2) || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || !is_digits(t, 11, 2) ||
      t[13] != ':' || !is_digits(t, 14, 2) || t[16] != ':' || !is_digits(t, 17, 2))
    return std::nullopt;
  auto number = [&](std::size_t at, std::size_t n) {
    int value = 0;
    for (std::size_t i = at; i < at + n; ++i)
      value = value * 10 + (t[i] - '0');
    return value;
  };
  using namespace std::chrono;
  // Civil-date arithmetic, not timegm: glibc's timegm takes the process-wide timezone lock,
  // and consumers parse an event's time on the hot path (end-to-end latency).
  year_month_day date{year{number(0, 4)}, month{static_cast<unsigned>(number(5, 2))},
                      day{static_cast<unsigned>(number(8, 2))}};
  auto hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (!date.ok() || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  std::size_t at = 19;
  std::chrono::microseconds fraction{0};
  if (at < t.size() && t[at] == '.') {
    auto digits = ++at;
    long long micros = 0;
    while (at < t.size() && t[at] >= '0' && t[at] <= '9') {
      if (at - digits < 6)
        micros = micros * 10 + (t[at] - '0');
      ++at;
    }
    if (at == digits)
      return std::nullopt;
    for (auto n = at - digits; n < 6; ++n)
      micros *= 10;
    fraction = std::chrono::microseconds(micros);
  }
  int offset_minutes = 0;
  if (at < t.size() && (t[at] == 'Z' || t[at] == 'z')) {
    if (at + 1 != t.size())
      return std::nullopt;
  } else {
    if (at + 6 != t.size() || (t[at] != '+' && t[at] != '-') || !is_digits(t, at + 1, 2) || t[at + 3] != ':' ||
        !is_digits(t, at + 4, 2) || number(at + 1, 2) > 23 || number(at + 4, 2) > 59)
      return std::nullopt;
    offset_minutes = (number(at + 1, 2) * 60 + number(at + 4, 2)) * (t[at] == '-' ? -1 : 1);
  }
  auto utc = sys_days{date} + hours{hour} + minutes{minute - offset_minutes} + seconds{second};
  // system_clock counts nanoseconds in 64 bits, from 1677-09-21 to 2262-04-11; RFC 3339 years
  // go from 0000 to 9999. A time past that range would overflow (found by tests/fuzz).
  if (utc < ceil<seconds>(system_clock::time_point::min()) || utc >= floor<seconds>(system_clock::time_point::max()))
    return std::nullopt;
  return time_point_cast<system_clock::duration>(utc) + fraction;
}

bool is_utc(std::string_view t) {
  return t.ends_with('Z') || t.ends_with('z') || t.ends_with("+00:00") || t.ends_with("-00:00");
}

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto micros = floor<microseconds>(t);
  auto day_start = floor<days>(micros);
  year_month_day date{day_start};
  hh_mm_ss time{micros - day_start};
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06lld+00:00", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()), static_cast<long long>(time.subseconds().count()));
  return text;
}

}  // namespace eventrouter
