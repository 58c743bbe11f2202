#include "transports/kafka/schema_registry.hpp"

#include "avro/avro_codec.hpp"
#include "avro/openedx_schema.hpp"
#include "transports/basic_auth.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <stdexcept>
#include <unordered_map>

namespace eventrouter::kafka {

namespace json = boost::json;

namespace {

// The registry's own message, when its error body has one.
std::string error_message(const std::string& body) {
  json::error_code ec;
  auto parsed = json::parse(body, ec);
  if (!ec && parsed.is_object())
    if (const auto* m = parsed.get_object().if_contains("message"); m != nullptr && m->is_string())
      return std::string(m->get_string());
  return body.substr(0, 200);
}

std::string subject_path(const std::string& subject) {
  std::string out;
  for (unsigned char c : subject) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      static constexpr char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

}  // namespace

schema_registry::schema_registry(const config::kafka_settings& settings)
    : where_(settings.schema_registry_url), timeout_(settings.schema_registry_timeout) {
  while (!where_.path.empty() && where_.path.back() == '/')
    where_.path.pop_back();
  url_ = where_.display();
  if (!settings.schema_registry_basic_auth.empty())
    authorization_ = http::basic_authorization(settings.schema_registry_basic_auth);
}

http::reply schema_registry::request(const char* method, const std::string& target, const std::string& body) {
  constexpr auto media_type = "application/vnd.schemaregistry.v1+json";
  http::header_list headers{{"accept", media_type}};
  if (!authorization_.empty())
    headers.emplace_back("authorization", authorization_);
  if (!body.empty())
    headers.emplace_back("content-type", media_type);
  try {
    return http::fetch(where_, method, where_.path + target, headers, body, timeout_);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("schema registry " + url_ + ": " + std::string(method) + " " + target + ": " + e.what());
  }
}

std::uint32_t schema_registry::register_schema(const std::string& subject, const std::string& schema) {
  auto target = "/subjects/" + subject_path(subject) + "/versions";
  auto r = request("POST", target, json::serialize(json::object{{"schema", schema}}));
  if (r.status / 100 != 2)
    throw std::runtime_error("schema registry " + url_ + " refused the schema of subject '" + subject + "' (" +
                             std::to_string(r.status) + "): " + error_message(r.body));
  json::error_code ec;
  auto parsed = json::parse(r.body, ec);
  const auto* id = !ec && parsed.is_object() ? parsed.get_object().if_contains("id") : nullptr;
  if (id == nullptr || !id->is_number() || id->to_number<std::int64_t>() < 0)
    throw std::runtime_error("schema registry " + url_ + ": subject '" + subject + "': no id in its answer");
  return static_cast<std::uint32_t>(id->to_number<std::int64_t>());
}

std::string schema_registry::schema_by_id(std::uint32_t id) {
  auto r = request("GET", "/schemas/ids/" + std::to_string(id), {});
  if (r.status == 404)
    throw unknown_schema("schema registry " + url_ + " has no schema " + std::to_string(id) + ": " +
                         error_message(r.body));
  if (r.status / 100 != 2)
    throw std::runtime_error("schema registry " + url_ + " has no schema " + std::to_string(id) + " (" +
                             std::to_string(r.status) + "): " + error_message(r.body));
  json::error_code ec;
  auto parsed = json::parse(r.body, ec);
  const auto* schema = !ec && parsed.is_object() ? parsed.get_object().if_contains("schema") : nullptr;
  if (schema == nullptr || !schema->is_string())
    throw std::runtime_error("schema registry " + url_ + ": schema " + std::to_string(id) + ": no schema in its answer");
  return std::string(schema->get_string());
}

namespace {

class registry_payload_decoder : public payload_decoder {
 public:
  explicit registry_payload_decoder(std::shared_ptr<schema_registry> registry) : registry_(std::move(registry)) {}

  std::variant<json::value, decode_error> data(std::string_view bytes, std::string_view) override {
    auto decoded = read(bytes);
    if (auto* v = std::get_if<json::value>(&decoded); v != nullptr && !v->is_object())
      return decode_error{"not an Avro record"};
    return decoded;
  }

  std::variant<std::string, decode_error> key(std::string_view bytes) override {
    auto decoded = read(bytes);
    if (auto* error = std::get_if<decode_error>(&decoded))
      return decode_error{"key: " + error->message};
    const auto& value = std::get<json::value>(decoded);
    return value.is_string() ? std::string(value.get_string()) : json::serialize(value);
  }

 private:
  std::variant<json::value, decode_error> read(std::string_view bytes) {
    auto framed = parse_confluent_frame(bytes);
    if (!framed)
      return decode_error{"not in Confluent's framing (magic byte 0, then a 4-byte schema id)"};
    const avro_schema* schema = nullptr;
    try {
      schema = &writer_schema(framed->schema_id);
    } catch (const unknown_schema& e) {
      return decode_error{e.what()};  // other failures (the registry unreachable) are the reader's to retry
    }
    auto decoded = decode_avro(*schema, framed->body);
    if (auto* error = std::get_if<avro_error>(&decoded))
      return decode_error{"not Avro of schema " + std::to_string(framed->schema_id) + ": " + error->message};
    return std::get<json::value>(std::move(decoded));
  }

  const avro_schema& writer_schema(std::uint32_t id) {
    auto it = schemas_.find(id);
    if (it != schemas_.end())
      return it->second;
    auto parsed = avro_schema::parse(registry_->schema_by_id(id));
    if (auto* error = std::get_if<avro_error>(&parsed))
      throw unknown_schema("schema " + std::to_string(id) + " from the registry: " + error->message);
    return schemas_.emplace(id, std::get<avro_schema>(std::move(parsed))).first->second;
  }

  std::shared_ptr<schema_registry> registry_;
  std::unordered_map<std::uint32_t, avro_schema> schemas_;
};

}  // namespace

std::unique_ptr<payload_decoder> registry_decoder(std::shared_ptr<schema_registry> registry) {
  return std::make_unique<registry_payload_decoder>(std::move(registry));
}

}  // namespace eventrouter::kafka
