// Fuzz target: a Redis stream entry as a consumer reads it, which any writer of the stream may
// have made (an Open edX service, another eventrouter, redis-cli). The first byte picks the
// topic's format (even: json, odd: openedx, with the schemas of tests/fuzz/schemas); then come
// the fields, each name and value preceded by its length in one byte. An entry that decodes is
// an event a sink can be given: its JSON is valid, and written back as an entry in the same
// format it decodes to the same event (what a bridge, the dead-letter topic and dlq replay do).

#include "fuzz_check.hpp"
#include "fuzz_schemas.hpp"
#include "avro/exact_json.hpp"
#include "router/cloudevents.hpp"
#include "transports/redis/stream_entry.hpp"

#include <boost/json.hpp>

namespace {

using namespace eventrouter;
using fields = std::vector<std::pair<std::string, std::string>>;

fields fields_of(std::string_view input) {
  fields out;
  auto next = [&input]() -> std::optional<std::string> {
    if (input.empty())
      return std::nullopt;
    auto size = std::min<std::size_t>(static_cast<unsigned char>(input[0]), input.size() - 1);
    std::string text(input.substr(1, size));
    input.remove_prefix(1 + size);
    return text;
  };
  while (auto name = next())
    out.emplace_back(std::move(*name), next().value_or(""));
  return out;
}

bool same_event(const event& a, const event& b) {
  return a.id == b.id && a.type == b.type && a.source == b.source && a.time == b.time &&
         a.minorversion == b.minorversion && a.sourcehost == b.sourcehost && a.sourcelib == b.sourcelib &&
         a.data == b.data && a.extensions == b.extensions && a.occurred == b.occurred;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  static const auto catalog = std::make_shared<const schema_catalog>(fuzz::schema_files());
  bool openedx = data[0] % 2 == 1;
  auto decoder = openedx ? schema_catalog_decoder(catalog) : json_decoder();
  auto entry = fields_of(fuzz::text_of(data + 1, size - 1));
  auto decoded = decode_stream_entry(entry, *decoder);
  if (const auto* error = std::get_if<std::string>(&decoded)) {
    fuzz::require(error->find("field") != std::string::npos, "a refused entry names the field at fault", *error);
    return 0;
  }
  const auto& ev = *std::get<event_ptr>(decoded);
  fuzz::require(ev.data.is_object(), "a decoded event's data is a JSON object");
  std::string text;
  append_json(text, ev);
  boost::json::error_code ec;
  auto parsed = parse_exact(text, ec);
  fuzz::require(!ec && parsed == boost::json::value(to_json(ev)), "a decoded event is valid JSON for a sink", text);

  std::string event_data;
  if (openedx) {
    auto encoded = encode_avro(*catalog->find(ev.type), ev.data);
    fuzz::require(std::holds_alternative<std::string>(encoded), "decoded data encodes again", text);
    event_data = std::get<std::string>(encoded);
  } else {
    event_data = boost::json::serialize(ev.data);
  }
  fields again;
  for (const auto& [name, value] : stream_fields(ev, event_data))
    again.emplace_back(name, value);
  auto round_trip = decode_stream_entry(again, *decoder);
  fuzz::require(std::holds_alternative<event_ptr>(round_trip) && same_event(ev, *std::get<event_ptr>(round_trip)),
                "a decoded event written back as an entry decodes the same", text);
  return 0;
}
