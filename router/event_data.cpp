#include "router/event_data.hpp"

#include "router/cloudevents.hpp"

#include <boost/json.hpp>

namespace eventrouter {

std::string encode_event_data(const event& ev, config::topic_format) { return boost::json::serialize(ev.data); }

std::variant<boost::json::value, std::string> decode_event_data(std::string_view bytes, config::topic_format) {
  boost::json::parse_options options;
  options.max_depth = max_json_depth;
  boost::json::error_code ec;
  auto data = boost::json::parse(bytes, ec, {}, options);
  if (ec)
    return "not valid JSON: " + ec.message();
  if (!data.is_object())
    return std::string("not a JSON object");
  return data;
}

std::string_view content_type_of(config::topic_format format) {
  return format == config::topic_format::openedx ? "application/avro" : "application/json";
}

}  // namespace eventrouter
