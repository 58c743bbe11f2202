// Fuzz target: an event's JSON data encoded with its type's schema, as the router does for a
// route to a topic in openedx format. The first byte picks the schema, the rest is the data's
// JSON text. What encodes decodes, and encodes again to the same bytes.

#include "fuzz_check.hpp"
#include "fuzz_schemas.hpp"
#include "router/cloudevents.hpp"
#include "avro/exact_json.hpp"

#include <boost/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventrouter;
  if (size == 0)
    return 0;
  const auto& schema = fuzz::schemas()[data[0] % fuzz::schemas().size()];
  boost::json::parse_options options;
  options.max_depth = max_json_depth;  // as ingest reads data
  boost::json::error_code ec;
  auto value = parse_exact(fuzz::text_of(data + 1, size - 1), ec, {}, options);
  if (ec)
    return 0;
  auto encoded = encode_avro(schema, value);
  if (const auto* error = std::get_if<avro_error>(&encoded)) {
    fuzz::require(error->message.starts_with("data"), "an encoding error names the field path", error->message);
    return 0;
  }
  const auto& bytes = std::get<std::string>(encoded);
  auto decoded = decode_avro(schema, bytes);
  const auto* back = std::get_if<boost::json::value>(&decoded);
  fuzz::require(back != nullptr, "encoded data decodes",
                boost::json::serialize(value) + "\n" + (back ? "" : std::get<avro_error>(decoded).message));
  auto again = encode_avro(schema, *back);
  fuzz::require(std::holds_alternative<std::string>(again) && std::get<std::string>(again) == bytes,
                "decoded data encodes to the same bytes", boost::json::serialize(value));
  return 0;
}
