// Numbers in event data are read as written: Boost.JSON 1.81's own reading of 9391491.627785105
// is one unit in the last place off (found by tests/interop against Python's output).

#include "router/exact_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <charconv>
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

}  // namespace
}  // namespace eventrouter
