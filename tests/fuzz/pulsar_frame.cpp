// Fuzz target: a frame a Pulsar consumer receives over the WebSocket API, whose message any
// producer of the topic may have written (an Open edX service on the native client, another
// eventrouter, pulsar-client's CLI). The first byte picks the topic's format (even: json, odd:
// openedx, with the schemas of tests/fuzz/schemas); the rest is the frame's text. A message that
// decodes is an event a sink can be given, and written back as eventrouter's producer writes it,
// then received, it decodes to the same event and key (what a bridge and dlq replay do).

#include "fuzz_check.hpp"
#include "fuzz_schemas.hpp"
#include "router/cloudevents.hpp"
#include "transports/pulsar/pulsar_message.hpp"

#include <boost/json.hpp>

namespace {

using namespace eventrouter;

bool same_event(const event& a, const event& b) {
  return a.id == b.id && a.type == b.type && a.source == b.source && a.time == b.time &&
         a.minorversion == b.minorversion && a.sourcehost == b.sourcehost && a.sourcelib == b.sourcelib &&
         a.data == b.data && a.extensions == b.extensions;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  static const auto catalog = std::make_shared<const schema_catalog>(fuzz::schema_files());
  bool openedx = data[0] % 2 == 1;
  auto format = openedx ? config::topic_format::openedx : config::topic_format::json;
  auto decoder = openedx ? schema_catalog_decoder(catalog) : json_decoder();
  auto frame = fuzz::text_of(data + 1, size - 1);
  auto received = pulsar::parse_received_frame(frame);
  if (std::holds_alternative<std::string>(received))
    return 0;
  auto decoded = pulsar::decode_message(std::get<pulsar::received_message>(received), *decoder);
  if (const auto* error = std::get_if<std::string>(&decoded)) {
    fuzz::require(error->find("property") != std::string::npos || error->find("value") != std::string::npos ||
                    error->find("key") != std::string::npos,
                  "a refused message names the property, the value or the key at fault", *error);
    return 0;
  }
  auto item = std::get<keyed_event>(decoded);
  fuzz::require(item.ev->data.is_object(), "a decoded event's data is a JSON object");
  std::string text;
  append_json(text, *item.ev);

  if (openedx) {
    auto encoded = encode_avro(*catalog->find(item.ev->type), item.ev->data);
    fuzz::require(std::holds_alternative<std::string>(encoded), "decoded data encodes again", text);
    item.encoded = std::make_shared<const encoded_event>(encoded_event{std::get<std::string>(encoded), item.key});
  }
  auto again = boost::json::parse(pulsar::open_producer_frame(item, format) + "}").as_object();
  again["messageId"] = "CAE=";
  auto round_trip = pulsar::parse_received_frame(boost::json::serialize(again));
  fuzz::require(std::holds_alternative<pulsar::received_message>(round_trip), "a written frame is received", text);
  auto back = pulsar::decode_message(std::get<pulsar::received_message>(round_trip), *decoder);
  fuzz::require(std::holds_alternative<keyed_event>(back) && same_event(*item.ev, *std::get<keyed_event>(back).ev) &&
                  std::get<keyed_event>(back).key == item.key,
                "a decoded message written back decodes the same", text);
  return 0;
}
