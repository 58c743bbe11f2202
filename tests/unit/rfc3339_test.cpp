// RFC 3339 times as events carry them: parsed to the instant they name, offsets and fractions
// included, impossible dates refused, and formatted back in UTC.

#include "router/rfc3339.hpp"

#include <gtest/gtest.h>

namespace eventrouter {
namespace {

using namespace std::chrono;

long long micros_since_epoch(std::string_view text) {
  auto t = parse_rfc3339(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t ? duration_cast<microseconds>(t->time_since_epoch()).count() : -1;
}

TEST(rfc3339, names_the_same_instant_whatever_the_offset) {
  EXPECT_EQ(micros_since_epoch("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(micros_since_epoch("2024-02-29T12:00:00Z"), 1709208000LL * 1000000);
  EXPECT_EQ(micros_since_epoch("2024-02-29T14:30:00+02:30"), 1709208000LL * 1000000);
  EXPECT_EQ(micros_since_epoch("2024-02-29T07:00:00-05:00"), 1709208000LL * 1000000);
  EXPECT_EQ(micros_since_epoch("2023-06-09T14:12:45.320819+00:00"), 1686319965320819LL);
  EXPECT_EQ(micros_since_epoch("2023-06-09T14:12:45.3Z"), 1686319965300000LL);
  EXPECT_EQ(micros_since_epoch("2023-06-09T14:12:45.123456789Z"), 1686319965123456LL);  // nanoseconds cut
}

TEST(rfc3339, impossible_dates_and_malformed_text_are_refused) {
  for (auto text : {"2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z",
                    "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00+5:00",
                    "2024-01-01T00:00:00.Z", "2024-01-01 00:00:00ZZ", "not a time"})
    EXPECT_FALSE(parse_rfc3339(text).has_value()) << text;
}

// Found by tests/fuzz (cloudevents_binary): a time after 2262 overflowed the 64-bit
// nanoseconds of system_clock (undefined behaviour; UBSan aborts).
TEST(rfc3339, times_outside_what_system_clock_holds_are_refused) {
  for (auto text : {"2723-06-09T14:12:45.320819+00:00", "9999-12-31T23:59:59Z", "2262-04-12T00:00:00Z",
                    "1677-09-21T00:00:00Z", "0000-01-01T00:00:00+01:00"})
    EXPECT_FALSE(parse_rfc3339(text).has_value()) << text;
  for (auto text : {"2262-04-10T23:59:59.999999Z", "1678-01-01T00:00:00Z"})
    EXPECT_EQ(format_rfc3339(*parse_rfc3339(text)).substr(0, 4), std::string_view(text).substr(0, 4)) << text;
}

TEST(rfc3339, formats_in_utc_with_microseconds_and_parses_back) {
  auto t = *parse_rfc3339("2024-02-29T14:30:00.000042+02:30");
  EXPECT_EQ(format_rfc3339(t), "2024-02-29T12:00:00.000042+00:00");
  EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
  EXPECT_EQ(format_rfc3339(system_clock::time_point{}), "1970-01-01T00:00:00.000000+00:00");
}

}  // namespace
}  // namespace eventrouter
