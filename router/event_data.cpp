#include "router/event_data.hpp"

#include "router/cloudevents.hpp"
#include "avro/exact_json.hpp"

#include <boost/json.hpp>

#include <stdexcept>

namespace eventrouter {

std::string wire_value(const keyed_event& item, config::topic_format format) {
  if (item.encoded)
    return item.encoded->value;
  if (format == config::topic_format::openedx)
    throw std::invalid_argument("event '" + item.ev->id + "' was not encoded by a route, so it cannot be written "
                                "to a topic in openedx format");
  return boost::json::serialize(item.ev->data);
}

std::string_view wire_key(const keyed_event& item) { return item.encoded ? item.encoded->key : item.key; }

std::string_view content_type_of(config::topic_format format) {
  return format == config::topic_format::openedx ? "application/avro" : "application/json";
}

namespace {

class json_payload_decoder : public payload_decoder {
 public:
  std::variant<boost::json::value, decode_error> data(std::string_view bytes, std::string_view) override {
    boost::json::parse_options options;
    options.max_depth = max_json_depth;
    boost::json::error_code ec;
    auto data = parse_exact(bytes, ec, {}, options);
    if (ec)
      return decode_error{"not valid JSON: " + ec.message()};
    if (!data.is_object())
      return decode_error{"not a JSON object"};
    return data;
  }
};

class catalog_payload_decoder : public payload_decoder {
 public:
  explicit catalog_payload_decoder(schema_catalog_ptr catalog) : catalog_(std::move(catalog)) {}

  std::variant<boost::json::value, decode_error> data(std::string_view bytes, std::string_view event_type) override {
    const auto* schema = catalog_->find(event_type);
    if (schema == nullptr)
      return decode_error{"Avro of event type '" + std::string(event_type) +
                          "', whose schema is not in schemas.directory"};
    auto decoded = decode_avro(*schema, bytes);
    if (auto* error = std::get_if<avro_error>(&decoded))
      return decode_error{"not Avro of the schema of " + std::string(event_type) + ": " + error->message};
    return std::get<boost::json::value>(std::move(decoded));
  }

 private:
  schema_catalog_ptr catalog_;
};

}  // namespace

std::unique_ptr<payload_decoder> json_decoder() { return std::make_unique<json_payload_decoder>(); }

std::unique_ptr<payload_decoder> schema_catalog_decoder(schema_catalog_ptr catalog) {
  return std::make_unique<catalog_payload_decoder>(std::move(catalog));
}

}  // namespace eventrouter
