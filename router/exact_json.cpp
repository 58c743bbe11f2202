#include "router/exact_json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <charconv>
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
  bool on_double(double d, json::string_view s, json::error_code&) {
    number.append(s.data(), s.size());
    double exact = 0;
    // Boost's value stands where from_chars cannot read the text (out of range: Boost gives
    // infinity or 0 as JSON parsers do).
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

}  // namespace

json::value parse_exact(std::string_view text, json::error_code& ec, json::storage_ptr storage,
                        const json::parse_options& options) {
  json::basic_parser<exact_handler> parser(options, std::move(storage));
  auto used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size())
    ec = json::error::extra_data;
  if (ec)
    return nullptr;
  return parser.handler().stack.release();
}

}  // namespace eventrouter
