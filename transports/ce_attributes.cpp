#include "transports/ce_attributes.hpp"

#include "router/cloudevents.hpp"
#include "router/event_data.hpp"
#include "router/rfc3339.hpp"
#include "avro/utf8.hpp"

namespace eventrouter {

std::vector<ce_attribute> ce_attributes(const event& ev, config::topic_format format) {
  auto content_type = content_type_of(format);
  std::vector<ce_attribute> headers{{"ce_type", ev.type},
                                    {"ce_id", ev.id},
                                    {"ce_source", ev.source},
                                    {"ce_time", ev.time},
                                    {"ce_specversion", ev.specversion},
                                    {"ce_minorversion", ev.minorversion},
                                    {"sourcehost", ev.sourcehost},
                                    {"sourcelib", ev.sourcelib},
                                    {"content-type", content_type},
                                    {"ce_datacontenttype", content_type}};
  // edx-event-bus-kafka's consumer refuses an empty sourcelib (it reads a version from it) and
  // fills both in itself when they are absent, as when an Open edX producer leaves them out.
  std::erase_if(headers, [](const ce_attribute& h) {
    return h.second.empty() && (h.first == "sourcehost" || h.first == "sourcelib");
  });
  for (const auto& [name, value] : ev.extensions)
    headers.emplace_back(name, value);
  return headers;
}

std::variant<event_ptr, std::string> decode_ce_record(const std::vector<std::pair<std::string, std::string>>& headers,
                                                      std::string_view value, payload_decoder& decoder,
                                                      std::string_view noun) {
  // As for a Redis stream entry (found by tests/fuzz): a sink gets the attributes as JSON.
  if (auto why = pair_not_utf8(headers, noun))
    return std::move(*why);
  event ev;
  // The last of repeated headers wins, as the Open edX consumer reads them.
  for (const auto& [name, text] : headers) {
    if (name == "ce_type") ev.type = text;
    else if (name == "ce_id") ev.id = text;
    else if (name == "ce_source") ev.source = text;
    else if (name == "ce_time") ev.time = text;
    else if (name == "ce_specversion") ev.specversion = text;
    else if (name == "ce_minorversion") ev.minorversion = text;
    else if (name == "sourcehost") ev.sourcehost = text;
    else if (name == "sourcelib") ev.sourcelib = text;
    else if (name != "content-type" && name != "ce_datacontenttype") carry_extension(ev, name, text);
  }
  ev.occurred = parse_rfc3339(ev.time);
  for (auto [name, field] : {std::pair{"ce_type", &ev.type}, {"ce_id", &ev.id}})
    if (field->empty()) {
      std::string why(noun);
      return why.append(" '").append(name).append("' is missing or empty");
    }
  auto decoded = decoder.data(value, ev.type);
  if (auto* why = std::get_if<decode_error>(&decoded))
    return why->message.insert(0, "the value is ");
  ev.data = std::move(std::get<boost::json::value>(decoded));
  return std::make_shared<const event>(std::move(ev));
}

std::variant<keyed_event, std::string> decode_ce_message(
  const std::vector<std::pair<std::string, std::string>>& headers, std::string_view key, std::string_view value,
  payload_decoder& decoder, std::string_view noun) {
  auto ev = decode_ce_record(headers, value, decoder, noun);
  if (auto* why = std::get_if<std::string>(&ev))
    return std::move(*why);
  auto text = decoder.key(key);
  if (auto* why = std::get_if<decode_error>(&text))
    return "the key is " + why->message;
  return keyed_event{std::move(std::get<event_ptr>(ev)), std::move(std::get<std::string>(text))};
}

}  // namespace eventrouter
