// Fuzz target: Avro bytes from a broker (a Redis entry's event_data, a Kafka value without its
// framing) decoded with an event type's schema. The first byte picks the schema. What decodes
// encodes again, into no more bytes than it came in, and that decodes to the same JSON: the
// router re-encodes what it read when it bridges, dead-letters or replays an event.

#include "fuzz_check.hpp"
#include "fuzz_schemas.hpp"
#include "avro/exact_json.hpp"

#include <boost/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventrouter;
  if (size == 0)
    return 0;
  const auto& schema = fuzz::schemas()[data[0] % fuzz::schemas().size()];
  auto bytes = fuzz::text_of(data + 1, size - 1);
  auto decoded = decode_avro(schema, bytes);
  if (const auto* error = std::get_if<avro_error>(&decoded)) {
    fuzz::require(error->message.starts_with("data"), "a decoding error names the field path", error->message);
    return 0;
  }
  const auto& value = std::get<boost::json::value>(decoded);
  auto text = boost::json::serialize(value);
  boost::json::error_code ec;
  fuzz::require(parse_exact(text, ec) == value && !ec, "decoded data reads back from its JSON text", text);

  auto encoded = encode_avro(schema, value);
  const auto* again = std::get_if<std::string>(&encoded);
  fuzz::require(again != nullptr, "decoded data encodes again",
                text + "\n" + (again ? "" : std::get<avro_error>(encoded).message));
  fuzz::require(again->size() <= bytes.size(), "the canonical encoding is no longer than any other", text);
  auto round_trip = decode_avro(schema, *again);
  fuzz::require(std::holds_alternative<boost::json::value>(round_trip) && std::get<boost::json::value>(round_trip) == value,
                "re-encoded data decodes to the same data", text);
  return 0;
}
