// Fuzz target: the JSON reader every body, event data and schema goes through. What it accepts
// Boost.JSON's own parser accepts, as the same value but for doubles (where it may be a few
// units in the last place closer); what it refuses and Boost.JSON accepts holds a number no double or
// 64-bit integer carries. What it reads, serialized, reads back the same: no number drifts, and
// none turns into text that is not JSON, on its way through eventrouter.

#include "fuzz_check.hpp"
#include "avro/exact_json.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace {

namespace json = boost::json;

// Equal, but for doubles, where Boost.JSON 1.81 may be a few units in the last place off (more
// than one for long mantissas); that the exact reader is exact, the round trip checks.
bool nearly_equal(const json::value& exact, const json::value& boost) {
  // Boost.JSON 1.81 reads a zero with a large exponent (0e400) as NaN.
  if (exact.is_double() && boost.is_double() && std::isnan(boost.get_double()))
    return exact.get_double() == 0;
  if (exact.is_double() && boost.is_double())
    return exact.get_double() == boost.get_double() ||
           std::abs(exact.get_double() - boost.get_double()) <= 1e-14 * std::abs(boost.get_double());
  if (exact.kind() != boost.kind())
    return false;
  if (const auto* array = exact.if_array()) {
    const auto& other = boost.get_array();
    if (array->size() != other.size())
      return false;
    for (std::size_t i = 0; i < array->size(); ++i)
      if (!nearly_equal((*array)[i], other[i]))
        return false;
    return true;
  }
  if (const auto* object = exact.if_object()) {
    const auto& other = boost.get_object();
    if (object->size() != other.size())
      return false;
    for (const auto& [key, item] : *object) {
      const auto* counterpart = other.if_contains(key);
      if (counterpart == nullptr || !nearly_equal(item, *counterpart))
        return false;
    }
    return true;
  }
  return exact == boost;
}

// Boost.JSON's value holds a number that it took for a double but no double carries (infinity)
// or that was an integer past 64 bits.
bool holds_out_of_range_number(const json::value& v) {
  if (v.is_double())
    return !std::isfinite(v.get_double()) || (std::trunc(v.get_double()) == v.get_double() &&
                                                std::abs(v.get_double()) >= 0x1p63);
  if (const auto* array = v.if_array())
    return std::any_of(array->begin(), array->end(), holds_out_of_range_number);
  if (const auto* object = v.if_object())
    return std::any_of(object->begin(), object->end(),
                       [](const auto& entry) { return holds_out_of_range_number(entry.value()); });
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventrouter;
  auto text = fuzz::text_of(data, size);
  // The configuration file's leniency (comments, trailing commas) on odd inputs, so both
  // option sets are read.
  json::parse_options options;
  options.allow_comments = options.allow_trailing_commas = size % 2 == 1;
  json::error_code exact_ec, boost_ec;
  auto exact = parse_exact(text, exact_ec, {}, options);
  auto boost = json::parse(text, boost_ec, {}, options);
  if (exact_ec) {
    fuzz::require(boost_ec || holds_out_of_range_number(boost),
                  "the exact reader refuses only what Boost.JSON refuses, or a number out of range",
                  exact_ec.message());
    return 0;
  }
  fuzz::require(!boost_ec, "what the exact reader accepts, Boost.JSON accepts", boost_ec.message());
  fuzz::require(nearly_equal(exact, boost), "the exact reader builds Boost.JSON's value", json::serialize(exact));
  auto written = json::serialize(exact);
  json::error_code again_ec;
  auto again = parse_exact(written, again_ec);
  fuzz::require(!again_ec && again == exact, "what is read, written, reads back the same", written);
  return 0;
}
