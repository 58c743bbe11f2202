#include "router/kafka_record.hpp"

#include "router/event_data.hpp"
#include "router/rfc3339.hpp"

namespace eventrouter {

std::vector<kafka_header> kafka_headers(const event& ev, config::topic_format format) {
  auto content_type = content_type_of(format);
  std::vector<kafka_header> headers{{"ce_type", ev.type},
                                    {"ce_id", ev.id},
                                    {"ce_source", ev.source},
                                    {"ce_time", ev.time},
                                    {"ce_specversion", ev.specversion},
                                    {"ce_minorversion", ev.minorversion},
                                    {"sourcehost", ev.sourcehost},
                                    {"sourcelib", ev.sourcelib},
                                    {"content-type", content_type},
                                    {"ce_datacontenttype", content_type}};
  for (const auto& [name, value] : ev.extensions)
    headers.emplace_back(name, value);
  return headers;
}

std::variant<event_ptr, std::string> decode_kafka_record(const std::vector<std::pair<std::string, std::string>>& headers,
                                                         std::string_view value, config::topic_format format) {
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
    else if (name != "content-type" && name != "ce_datacontenttype") ev.extensions.emplace_back(name, text);
  }
  ev.occurred = parse_rfc3339(ev.time);
  for (auto [name, field] : {std::pair{"ce_type", &ev.type}, {"ce_id", &ev.id}})
    if (field->empty()) {
      std::string why = "header '";
      return why.append(name).append("' is missing or empty");
    }
  auto decoded = decode_event_data(value, format);
  if (auto* why = std::get_if<std::string>(&decoded))
    return why->insert(0, "the value is ");
  ev.data = std::move(std::get<boost::json::value>(decoded));
  return std::make_shared<const event>(std::move(ev));
}

}  // namespace eventrouter
