#include "router/rfc3339.hpp"

#include <cstdio>
#include <ctime>

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
  std::tm tm{};
  tm.tm_year = number(0, 4) - 1900;
  tm.tm_mon = number(5, 2) - 1;
  tm.tm_mday = number(8, 2);
  tm.tm_hour = number(11, 2);
  tm.tm_min = number(14, 2);
  tm.tm_sec = number(17, 2);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
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
  auto seconds = timegm(&tm);
  return std::chrono::system_clock::from_time_t(seconds) - std::chrono::minutes(offset_minutes) + fraction;
}

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  auto seconds = std::chrono::system_clock::to_time_t(t);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+00:00", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long long>(micros));
  return text;
}

}  // namespace eventrouter
