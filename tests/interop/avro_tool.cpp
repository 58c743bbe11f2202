// Test support, not product: the router's Avro codec (avro/avro_codec.hpp) as a filter, so the
// interop tests (test_avro_roundtrip.py) can hold its bytes and its JSON against fastavro's.
//
//   avro_tool encode SCHEMA.avsc   JSON data, one object a line  ->  the Avro binary in hex
//   avro_tool decode SCHEMA.avsc   Avro binary in lowercase hex, one a line ->  the data as JSON
//
// One output line per input line, in order: the result, or `error: <message>` for an input the
// codec (or this tool's own parsing) refuses. Batch mode, so one process serves every sample of
// an event type. Exits 2 on a usage error or a schema that does not load.

#include "avro/avro_codec.hpp"
#include "router/cloudevents.hpp"
#include "avro/exact_json.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

namespace {

namespace json = boost::json;
using eventrouter::avro_error;
using eventrouter::avro_schema;

constexpr std::string_view hex_digits = "0123456789abcdef";

std::string to_hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    out += hex_digits[byte >> 4];
    out += hex_digits[byte & 0xf];
  }
  return out;
}

int hex_value(char c) {
  auto at = hex_digits.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::optional<std::string> from_hex(std::string_view text) {
  if (text.size() % 2 != 0)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int high = hex_value(text[i]);
    int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0)
      return std::nullopt;
    out += static_cast<char>(high << 4 | low);
  }
  return out;
}

// One line of JSON data to its output line, parsed with the limit the router's own parser has.
std::string encode_line(const avro_schema& schema, std::string_view line) {
  json::parse_options options;
  options.max_depth = eventrouter::max_json_depth;
  json::error_code ec;
  auto data = eventrouter::parse_exact(line, ec, {}, options);
  if (ec)
    return "error: not valid JSON: " + ec.message();
  auto result = eventrouter::encode_avro(schema, data);
  if (const auto* error = std::get_if<avro_error>(&result))
    return "error: " + error->message;
  return to_hex(std::get<std::string>(result));
}

std::string decode_line(const avro_schema& schema, std::string_view line) {
  auto bytes = from_hex(line);
  if (!bytes)
    return "error: not lowercase hex digits in pairs";
  auto result = eventrouter::decode_avro(schema, *bytes);
  if (const auto* error = std::get_if<avro_error>(&result))
    return "error: " + error->message;
  return json::serialize(std::get<json::value>(result));
}

std::optional<avro_schema> load_schema(const char* path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << "avro_tool: cannot read " << path << '\n';
    return std::nullopt;
  }
  std::ostringstream text;
  text << file.rdbuf();
  auto parsed = avro_schema::parse(text.str());
  if (const auto* error = std::get_if<avro_error>(&parsed)) {
    std::cerr << "avro_tool: " << path << ": " << error->message << '\n';
    return std::nullopt;
  }
  return std::get<avro_schema>(std::move(parsed));
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view mode = argc == 3 ? argv[1] : "";
  if (mode != "encode" && mode != "decode") {
    std::cerr << "usage: avro_tool encode|decode SCHEMA.avsc < lines\n";
    return 2;
  }
  auto schema = load_schema(argv[2]);
  if (!schema)
    return 2;
  auto convert = mode == "encode" ? encode_line : decode_line;
  for (std::string line; std::getline(std::cin, line);)
    std::cout << convert(*schema, line) << '\n';
  return std::cout.flush() ? 0 : 1;
}
