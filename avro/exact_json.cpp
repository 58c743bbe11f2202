#include "avro/exact_json.hpp"

#include "avro/utf8.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <charconv>
#include <cmath>
#include <string>

namespace eventrouter {

namespace json = boost::json;

namespace {

// Builds the value on a value_stack as Boost.JSON's own parser does; only on_double differs.
struct exact_handler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack stack;
  std::string number;  // the text of a number split across calls
  std::string out_of_range;  // the number that failed the parse, if one did

  explicit exact_handler(json::storage_ptr storage) { stack.reset(std::move(storage)); }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) { return stack.push_object(n), true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) { return stack.push_array(n), true; }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) { return stack.push_chars(s), true; }
  bool on_key(json::string_view s, std::size_t, json::error_code&) { return stack.push_key(s), true; }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) { return stack.push_chars(s), true; }
  bool on_string(json::string_view s, std::size_t, json::error_code&) { return stack.push_string(s), true; }
  bool on_number_part(json::string_view s, json::error_code&) { return number.append(s.data(), s.size()), true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) { return number.clear(), stack.push_int64(i), true; }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    return number.clear(), stack.push_uint64(u), true;
  }
  bool on_double(double d, json::string_view s, json::error_code& ec) {
    number.append(s.data(), s.size());
    // Boost.JSON hands an integer past 64 bits over as a double, and one past ±1.8e308 as infinity.
    bool integer = number.find_first_of(".eE") == std::string::npos;
    if (integer || std::isinf(d)) {
      out_of_range = std::move(number);
      number.clear();
      ec = json::error_code(number_out_of_range, exact_json_category());
      return false;
    }
    double exact = 0;
    // Boost's value stands where from_chars cannot read the text (below the smallest double:
    // Boost gives 0 or a subnormal, as JSON parsers do).
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), exact);
    stack.push_double(error == std::errc{} && end == number.data() + number.size() ? exact : d);
    number.clear();
    return true;
  }
  bool on_bool(bool b, json::error_code&) { return stack.push_bool(b), true; }
  bool on_null(json::error_code&) { return stack.push_null(), true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

class exact_json_errors : public json::error_category {
 public:
  const char* name() const noexcept override { return "exact_json"; }
  std::string message(int) const override {
    return "a number is out of range: past what a double holds (±1.8e308), or an integer past 64 bits";
  }
};

}  // namespace

const json::error_category& exact_json_category() {
  static const exact_json_errors category;
  return category;
}

json::value parse_exact(std::string_view text, json::error_code& ec, json::storage_ptr storage,
                        const json::parse_options& options, json_failure* failure) {
  json::basic_parser<exact_handler> parser(options, std::move(storage));
  auto used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size())
    ec = json::error::extra_data;
  if (!ec)
    return parser.handler().stack.release();
  if (failure != nullptr)
    *failure = {used, std::move(parser.handler().out_of_range)};
  return nullptr;
}

std::string describe_json_error(std::string_view text, const json::error_code& ec, const json_failure& failure,
                                std::size_t max_depth) {
  if (ec == json::error_code(number_out_of_range, exact_json_category()))
    return "the number " + failure.number +
           " is out of range: past what a double holds (±1.8e308), or an integer past 64 bits; send it as a string";
  if (ec == json::error::too_deep)
    return "nested deeper than " + std::to_string(max_depth) + " levels";
  if (!is_utf8(text))
    return "the text is not UTF-8";
  if (ec == json::error::incomplete || failure.offset >= text.size())
    return ec.message() + " (the text ends too early)";
  return ec.message() + " at byte " + std::to_string(failure.offset);
}

}  // namespace eventrouter
