#pragma once
// JSON text to a value as boost::json::parse makes it, with numbers that have a fraction or an
// exponent read exactly: correctly rounded, by std::from_chars. Boost.JSON 1.81 reads about
// one double in ten written with 17 significant digits (as Python and most serializers write
// them) one unit in the last place off (Boost 1.83 added an exact mode). An event's data
// passes through eventrouter, into Avro or JSON, so it must be the number the producer wrote.

#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <string_view>

//
// A number that JSON allows and neither a double nor a 64-bit integer holds is an error
// (number_out_of_range) rather than a value: past ±1.8e308 a double is infinite, and an integer
// past 64 bits would be rounded — either way a consumer would get another number than the
// producer wrote. (Below the smallest double, a number rounds to 0 or a subnormal, as anywhere.)

#include <cstddef>
#include <string>

namespace eventrouter {

// Where and why parse_exact failed, for a message a producer can act on.
struct json_failure {
  std::size_t offset = 0;  // bytes read before the error
  std::string number;      // the number out of range, when that is the error
};

// The value, or a null one with `ec` set (the whole text must be one JSON value).
boost::json::value parse_exact(std::string_view text, boost::json::error_code& ec, boost::json::storage_ptr storage = {},
                               const boost::json::parse_options& options = {}, json_failure* failure = nullptr);

// The error parse_exact reports for a number out of range.
const boost::json::error_category& exact_json_category();
inline constexpr int number_out_of_range = 1;

// One line saying why `text` is not valid JSON, from parse_exact's error: the number out of
// range, that the text is not UTF-8, or Boost.JSON's reason at a byte offset.
std::string describe_json_error(std::string_view text, const boost::json::error_code& ec, const json_failure& failure,
                                std::size_t max_depth);

}  // namespace eventrouter
