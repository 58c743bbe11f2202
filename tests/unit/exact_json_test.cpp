// Numbers in event data are read as written: Boost.JSON 1.81's own reading of 9391491.627785105
// is one unit in the last place off (found by tests/interop against Python's output).

#include "avro/exact_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <charconv>
#include <limits>
#include <random>

namespace eventrouter {
namespace {

namespace json = boost::json;

json::value parsed(std::string_view text) {
  json::error_code ec;
  auto v = parse_exact(text, ec);
  EXPECT_FALSE(ec) << text << ": " << ec.message();
  return v;
}

TEST(exact_json, a_double_written_with_17_digits_reads_back_to_the_same_double) {
  EXPECT_EQ(parsed("9391491.627785105").as_double(), 9391491.627785105);
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> any(-1e12, 1e12);
  for (int i = 0; i < 2000; ++i) {
    double d = any(random);
    char text[32];
    auto end = std::to_chars(text, text + sizeof text, d).ptr;  // shortest round-trip form
    ASSERT_EQ(parsed(std::string_view(text, end - text)).to_number<double>(), d) << std::string_view(text, end - text);
  }
}

TEST(exact_json, everything_else_is_what_boost_json_makes) {
  auto text = R"({"a": [1, -2, 18446744073709551615, 1.5e3, true, null, "s\u00e9"], "b": {"c": 0.1}})";
  EXPECT_EQ(parsed(text), json::parse(text));
}

TEST(exact_json, bad_text_and_trailing_text_are_errors_and_the_depth_limit_holds) {
  json::error_code ec;
  parse_exact("{\"a\": ", ec);
  EXPECT_TRUE(ec);
  ec = {};
  parse_exact("{} {}", ec);
  EXPECT_EQ(ec, json::error::extra_data);
  ec = {};
  json::parse_options shallow;
  shallow.max_depth = 2;
  parse_exact("[[[1]]]", ec, {}, shallow);
  EXPECT_EQ(ec, json::error::too_deep);
}

TEST(exact_json, numbers_no_double_or_64_bit_integer_holds_are_errors_naming_the_number) {
  for (std::string number : {"1e400", "-2.5e308", "18446744073709551616", "-9223372036854775809"}) {
    json::error_code ec;
    json_failure failure;
    auto text = "{\"a\": [1, " + number + "]}";
    parse_exact(text, ec, {}, {}, &failure);
    ASSERT_EQ(ec, json::error_code(number_out_of_range, exact_json_category())) << number;
    EXPECT_EQ(failure.number, number);
    EXPECT_EQ(describe_json_error(text, ec, failure, 64).rfind("the number " + number + " is out of range", 0), 0u);
  }
  // The extremes that fit, and a number below the smallest double (it rounds to 0, as anywhere).
  EXPECT_EQ(parsed("18446744073709551615").as_uint64(), 18446744073709551615u);
  EXPECT_EQ(parsed("-9223372036854775808").as_int64(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(parsed("1.7976931348623157e308").as_double(), std::numeric_limits<double>::max());
  EXPECT_EQ(parsed("1e-400").as_double(), 0.0);
}

TEST(exact_json, a_syntax_error_says_at_which_byte_and_text_that_is_not_utf8_says_so) {
  json::error_code ec;
  json_failure failure;
  parse_exact("{\"a\": x}", ec, {}, {}, &failure);
  EXPECT_EQ(describe_json_error("{\"a\": x}", ec, failure, 64), "syntax error at byte 6");
  std::string latin1 = "{\"a\": \"caf\xe9\"}";
  parse_exact(latin1, ec, {}, {}, &failure);
  EXPECT_EQ(describe_json_error(latin1, ec, failure, 64), "the text is not UTF-8");
}

}  // namespace
}  // namespace eventrouter
