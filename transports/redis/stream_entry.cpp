#include "transports/redis/stream_entry.hpp"

#include "router/cloudevents.hpp"
#include "router/event_data.hpp"
#include "router/rfc3339.hpp"
#include "avro/utf8.hpp"

namespace eventrouter {

std::vector<stream_field> stream_fields(const event& ev, const std::string& event_data) {
  std::vector<stream_field> fields{{"type", ev.type},
                                   {"id", ev.id},
                                   {"source", ev.source},
                                   {"time", ev.time},
                                   {"minorversion", ev.minorversion},
                                   {"sourcehost", ev.sourcehost},
                                   {"sourcelib", ev.sourcelib},
                                   {"event_data", event_data}};
  for (const auto& [name, value] : ev.extensions)
    fields.emplace_back(name, value);
  return fields;
}

std::variant<event_ptr, std::string> decode_stream_entry(const std::vector<std::pair<std::string, std::string>>& fields,
                                                         payload_decoder& decoder) {
  // Found by tests/fuzz (stream_entry): bytes that are not UTF-8 went on to sinks as JSON.
  if (auto why = pair_not_utf8(fields, "field", "event_data"))
    return std::move(*why);
  event ev;
  const std::string* data = nullptr;
  for (const auto& [name, value] : fields) {
    if (name == "type") ev.type = value;
    else if (name == "id") ev.id = value;
    else if (name == "source") ev.source = value;
    else if (name == "time") ev.time = value;
    else if (name == "minorversion") ev.minorversion = value;
    else if (name == "sourcehost") ev.sourcehost = value;
    else if (name == "sourcelib") ev.sourcelib = value;
    else if (name == "event_data") data = &value;
    else carry_extension(ev, name, value);
  }
  ev.occurred = parse_rfc3339(ev.time);
  for (auto [name, value] : {std::pair{"type", &ev.type}, {"id", &ev.id}})
    if (value->empty())
      return std::string("field '") + name + "' is missing or empty";
  if (data == nullptr)
    return std::string("field 'event_data' is missing");
  auto decoded = decoder.data(*data, ev.type);
  if (auto* why = std::get_if<decode_error>(&decoded))
    return why->message.insert(0, "field 'event_data' is ");  // not "literal" + string: GCC 12's -Wrestrict misfires
  ev.data = std::move(std::get<boost::json::value>(decoded));
  return std::make_shared<const event>(std::move(ev));
}

}  // namespace eventrouter
