#include "transports/pulsar/pulsar_message.hpp"

#include "transports/base64.hpp"
#include "transports/ce_attributes.hpp"

#include <boost/json.hpp>

namespace eventrouter::pulsar {

namespace json = boost::json;

std::string open_producer_frame(const keyed_event& item, config::topic_format format) {
  json::object properties;
  for (const auto& [name, value] : ce_attributes(*item.ev, format))
    properties[name] = value;
  json::object frame;
  frame["payload"] = base64_encode(wire_value(item, format));
  frame["properties"] = std::move(properties);
  if (!item.key.empty())
    frame["key"] = item.key;
  if (!item.ev->time.empty())
    frame["eventTime"] = item.ev->time;
  auto text = json::serialize(frame);
  text.pop_back();  // the closing brace: the producer adds its context first
  return text;
}

namespace {

std::string_view string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

std::variant<json::object, std::string> parse_object(std::string_view frame) {
  json::error_code ec;
  auto v = json::parse(frame, ec);
  if (ec)
    return "a frame that is not JSON (" + ec.message() + ")";
  if (!v.is_object())
    return std::string("a frame that is not a JSON object");
  return std::move(v.get_object());
}

}  // namespace

std::variant<send_answer, std::string> parse_send_answer(std::string_view frame) {
  auto parsed = parse_object(frame);
  if (auto* why = std::get_if<std::string>(&parsed))
    return std::move(*why);
  const auto& o = std::get<json::object>(parsed);
  send_answer out;
  out.context = string_at(o, "context");
  auto result = string_at(o, "result");
  out.ok = result == "ok";
  if (out.ok)
    out.message_id = string_at(o, "messageId");
  else
    out.error = std::string(result) + ": " + std::string(string_at(o, "errorMsg"));
  return out;
}

received_frame parse_received_frame(std::string_view frame) {
  auto parsed = parse_object(frame);
  if (auto* why = std::get_if<std::string>(&parsed))
    return std::move(*why);
  const auto& o = std::get<json::object>(parsed);
  received_message out;
  out.id = string_at(o, "messageId");
  if (out.id.empty())
    return std::string("a frame with no messageId");
  auto payload = base64_decode(string_at(o, "payload"));
  if (!payload)
    return std::string("a payload that is not base64");
  out.payload = std::move(*payload);
  out.key = string_at(o, "key");
  out.publish_time = string_at(o, "publishTime");
  if (const auto* properties = o.if_contains("properties"); properties != nullptr && properties->is_object())
    for (const auto& [name, value] : properties->get_object())
      if (value.is_string())
        out.properties.emplace_back(std::string(name), std::string(value.get_string()));
  return out;
}

std::variant<keyed_event, std::string> decode_message(const received_message& m, payload_decoder& decoder) {
  return decode_ce_message(m.properties, m.key, m.payload, decoder, "property");
}

std::string ack_frame(std::string_view message_id) {
  return json::serialize(json::object{{"messageId", message_id}});
}

std::string negative_ack_frame(std::string_view message_id) {
  return json::serialize(json::object{{"type", "negativeAcknowledge"}, {"messageId", message_id}});
}

std::string permit_frame(std::size_t n) {
  return json::serialize(json::object{{"type", "permit"}, {"permitMessages", n}});
}

}  // namespace eventrouter::pulsar
