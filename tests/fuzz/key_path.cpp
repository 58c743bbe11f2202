// Fuzz target: a route's event_key_field (from the configuration) applied to an event's data
// (from a producer). The input is the path, a newline, then the data's JSON text. A key that is
// extracted is the text of the value the path finds: the string itself, true or false, or a
// number that reads back as the same number.

#include "fuzz_check.hpp"
#include "router/cloudevents.hpp"
#include "avro/exact_json.hpp"
#include "router/key_path.hpp"

#include <boost/json.hpp>

#include <charconv>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventrouter;
  auto input = fuzz::text_of(data, size);
  auto newline = input.find('\n');
  if (newline == std::string_view::npos)
    return 0;
  key_path path(std::string(input.substr(0, newline)));
  fuzz::require(path.text() == input.substr(0, newline), "a key path keeps its text");
  boost::json::parse_options options;
  options.max_depth = max_json_depth;  // as ingest reads data
  boost::json::error_code ec;
  auto document = parse_exact(input.substr(newline + 1), ec, {}, options);
  if (ec)
    return 0;

  auto found = path.find(document);
  auto key = path.extract(document);
  if (const auto* error = std::get_if<key_error>(&key)) {
    fuzz::require(error->message.find("key field '" + path.text() + "'") == 0, "a key error names the key field",
                  error->message);
    if (const auto* value = std::get_if<const boost::json::value*>(&found))
      fuzz::require((*value)->is_structured() || (*value)->is_null(),
                    "only an object, array or null is found and yet no key");
    return 0;
  }
  const auto* value = std::get_if<const boost::json::value*>(&found);
  fuzz::require(value != nullptr, "a key is extracted only where the path finds a value");
  const auto& text = std::get<std::string>(key);
  if ((*value)->is_string()) {
    fuzz::require(text == (*value)->get_string(), "a string key is the string itself", text);
  } else if ((*value)->is_bool()) {
    fuzz::require(text == ((*value)->get_bool() ? "true" : "false"), "a boolean key is true or false", text);
  } else if ((*value)->is_double()) {
    // Shortest round-trip form: it may be written as an integer past 64 bits (7.6e19 as
    // "76666666666666672128"), which a JSON reader of exact numbers refuses, so it is read back
    // as a double.
    double read_back = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), read_back);
    fuzz::require(error == std::errc{} && end == text.data() + text.size(), "a number key is a number", text);
    fuzz::require(read_back == (*value)->get_double(), "a number key reads back as the same number", text);
  } else {
    auto read_back = parse_exact(text, ec);
    fuzz::require(!ec && read_back == **value, "an integer key reads back as the same integer", text);
  }
  return 0;
}
