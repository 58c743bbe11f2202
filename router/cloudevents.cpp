#include "router/cloudevents.hpp"

#include "avro/exact_json.hpp"
#include "router/rfc3339.hpp"
#include "avro/utf8.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace eventrouter {

namespace json = boost::json;

namespace {

parse_error malformed(std::string message) {
  return {parse_error::kind::malformed, std::move(message)};
}

json::parse_options parse_options() {
  json::parse_options options;
  options.max_depth = max_json_depth;
  return options;
}

bool has_control_character(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f)
      return true;
  return false;
}

// A value as an error message quotes it: one line of UTF-8 text whatever the value holds (a
// header or a JSON string may hold control characters, a header bytes that are not UTF-8), so
// that the message is safe in a log line and a JSON body. Found by tests/fuzz.
std::string printable(std::string_view value) {
  if (!is_utf8(value))
    return "(not UTF-8)";
  auto escaped = json::serialize(json::string_view(value));
  return escaped.substr(1, escaped.size() - 2);
}

// Media types compare without regard to case (RFC 9110, 8.3.1).
bool is_json_media_type(std::string_view type) {
  std::string base(type.substr(0, type.find(';')));
  while (!base.empty() && base.back() == ' ')
    base.pop_back();
  for (auto& c : base)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return base == "application/json" || (base.size() > 5 && base.ends_with("+json"));
}


// The attributes of one event, from whichever mode, checked the same way.
struct attributes {
  std::optional<std::string> specversion, id, type, source, time, minorversion, sourcehost, sourcelib,
    datacontenttype;
  std::vector<std::pair<std::string, std::string>> extensions;
  std::optional<std::chrono::system_clock::time_point> occurred;  // `time`, once checked
};

// Extension attribute names: lower-case letters and digits (CloudEvents), and '_' for the
// dead-letter attributes (dlq_reason, ...), at most 64 characters.
bool is_extension_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

constexpr std::string_view core_attributes[] = {"specversion", "id", "type", "source", "time", "minorversion",
                                                "sourcehost", "sourcelib", "datacontenttype", "data",
                                                "data_base64", "dataschema", "subject"};

std::optional<std::string> check(attributes& a) {
  if (!a.specversion)
    return "attribute 'specversion' is missing; expected \"1.0\"";
  if (*a.specversion != "1.0")
    return "attribute 'specversion' is \"" + printable(*a.specversion) + "\"; expected \"1.0\"";
  for (auto [name, value] : {std::pair{"id", &a.id}, {"type", &a.type}, {"source", &a.source}}) {
    if (!*value)
      return std::string("attribute '") + name + "' is missing; expected a non-empty string";
    if ((*value)->empty())
      return std::string("attribute '") + name + "' is empty; expected a non-empty string";
  }
  for (auto [name, value] : {std::pair{"id", &a.id}, {"type", &a.type}, {"source", &a.source}, {"time", &a.time},
                             {"minorversion", &a.minorversion}, {"sourcehost", &a.sourcehost},
                             {"sourcelib", &a.sourcelib}})
    if (*value && has_control_character(**value))
      return std::string("attribute '") + name + "' contains a control character";
  if (a.time && !(a.occurred = parse_rfc3339(*a.time)))
    return "attribute 'time' is \"" + printable(*a.time) + "\"; expected an RFC 3339 time in the years 1678 to 2261, such as "
           "2023-06-09T14:12:45.320819+00:00";
  // Open edX consumers refuse any time zone but UTC: another offset is written as UTC, the
  // same instant.
  if (a.time && !is_utc(*a.time))
    a.time = format_rfc3339(*a.occurred);
  if (a.datacontenttype && !is_json_media_type(*a.datacontenttype))
    return "datacontenttype \"" + printable(*a.datacontenttype) + "\" is not supported; expected application/json";
  return std::nullopt;
}

// An event without a time gets the time it was received.
event_ptr make_event(attributes&& a, json::value&& data) {
  if (!a.time) {
    // In microseconds, as `time` says it: the event read back from a topic is the same event.
    a.occurred = std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
    a.time = format_rfc3339(*a.occurred);
  }
  return std::make_shared<const event>(event{std::move(*a.id), std::move(*a.type), std::move(*a.source),
                                             std::move(*a.time), "1.0",
                                             a.minorversion ? std::move(*a.minorversion) : "0",
                                             std::move(a.sourcehost).value_or(""),
                                             std::move(a.sourcelib).value_or(""), "application/json",
                                             std::move(data), std::move(a.extensions), a.occurred});
}

}  // namespace

std::variant<event_ptr, std::string> event_from_object(json::object& obj) {
  attributes a;
  std::optional<std::string>* known[] = {&a.specversion, &a.id, &a.type, &a.source, &a.time,
                                         &a.sourcehost, &a.sourcelib, &a.datacontenttype};
  const char* names[] = {"specversion", "id", "type", "source", "time", "sourcehost", "sourcelib", "datacontenttype"};
  for (std::size_t i = 0; i < std::size(names); ++i) {
    const auto* v = obj.if_contains(names[i]);
    if (v == nullptr || v->is_null())
      continue;
    if (!v->is_string())
      return std::string("attribute '") + names[i] + "' must be a string";
    *known[i] = std::string(v->get_string());
  }
  if (const auto* v = obj.if_contains("minorversion"); v != nullptr && !v->is_null()) {
    if (v->is_string())
      a.minorversion = std::string(v->get_string());
    else if (v->is_int64() && v->get_int64() >= 0)
      a.minorversion = std::to_string(v->get_int64());
    else
      return std::string("attribute 'minorversion' must be a string or a non-negative integer");
  }
  for (const auto& [name, value] : obj) {
    if (std::find(std::begin(core_attributes), std::end(core_attributes), name) != std::end(core_attributes))
      continue;
    if (!is_extension_name(name))
      return "extension attribute '" + printable(name) + "' is not a valid name; expected a-z, 0-9 and _";
    if (value.is_string())
      a.extensions.emplace_back(name, value.get_string());
    else if (value.is_bool() || value.is_int64() || value.is_uint64())
      a.extensions.emplace_back(name, json::serialize(value));
    else
      return "extension attribute '" + std::string(name) + "' must be a string, an integer or a boolean";
    if (has_control_character(a.extensions.back().second))
      return "extension attribute '" + std::string(name) + "' contains a control character";
  }
  if (auto problem = check(a))
    return *problem;
  if (obj.contains("data_base64"))
    return std::string("data_base64 is not supported; send data as a JSON object");
  auto* data = obj.if_contains("data");
  if (data == nullptr)
    return std::string("'data' is missing; expected the event's data as a JSON object");
  if (!data->is_object())
    return std::string("'data' must be a JSON object");
  return make_event(std::move(a), std::move(*data));
}

namespace {

// Parses into storage shared by every event of the body: one allocation pattern per request,
// freed when the last of its events is.
std::variant<json::value, parse_error> parse_body(std::string_view body, std::string_view what) {
  json::error_code ec;
  json_failure failure;
  auto value = parse_exact(body, ec, json::make_shared_resource<json::monotonic_resource>(), parse_options(), &failure);
  if (ec)
    return malformed(std::string(what) + " is not valid JSON: " + describe_json_error(body, ec, failure, max_json_depth));
  return value;
}

}  // namespace

parse_result parse_structured(std::string_view body) {
  auto parsed = parse_body(body, "the body");
  if (auto* error = std::get_if<parse_error>(&parsed))
    return std::move(*error);
  auto& value = std::get<json::value>(parsed);
  if (!value.is_object())
    return malformed("the body must be a JSON object (one CloudEvent)");
  auto ev = event_from_object(value.get_object());
  if (auto* problem = std::get_if<std::string>(&ev))
    return malformed(std::move(*problem));
  return std::vector<event_ptr>{std::move(std::get<event_ptr>(ev))};
}

parse_result parse_batch(std::string_view body, std::size_t max_events) {
  auto parsed = parse_body(body, "the body");
  if (auto* error = std::get_if<parse_error>(&parsed))
    return std::move(*error);
  auto* array = std::get<json::value>(parsed).if_array();
  if (array == nullptr)
    return malformed("a batch must be a JSON array of CloudEvents");
  if (array->empty())
    return malformed("the batch is empty; expected 1 to " + std::to_string(max_events) + " events");
  if (array->size() > max_events)
    return parse_error{parse_error::kind::too_large, "the batch has " + std::to_string(array->size()) +
                                                       " events; max_batch_events is " + std::to_string(max_events)};
  std::vector<event_ptr> events;
  events.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto* obj = (*array)[i].if_object();
    if (obj == nullptr)
      return malformed("event " + std::to_string(i) + ": must be a JSON object");
    auto ev = event_from_object(*obj);
    if (auto* problem = std::get_if<std::string>(&ev))
      return malformed("event " + std::to_string(i) + ": " + *problem);
    events.push_back(std::move(std::get<event_ptr>(ev)));
  }
  return events;
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Header values carry non-ASCII text percent-encoded (CloudEvents HTTP binding, 3.1.3.2).
std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    int hi = i + 1 < in.size() ? hex_digit(in[i + 1]) : -1;
    int lo = i + 2 < in.size() ? hex_digit(in[i + 2]) : -1;
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

parse_result parse_binary(const header_lookup& header, std::string_view body) {
  attributes a;
  std::pair<const char*, std::optional<std::string>*> headers[] = {
    {"ce-specversion", &a.specversion}, {"ce-id", &a.id},
    {"ce-type", &a.type},               {"ce-source", &a.source},
    {"ce-time", &a.time},               {"ce-minorversion", &a.minorversion},
    {"ce-sourcehost", &a.sourcehost},   {"ce-sourcelib", &a.sourcelib}};
  for (auto [name, slot] : headers) {
    auto value = header(name);
    if (!value)
      continue;
    auto decoded = percent_decode(*value);
    if (!decoded)
      return malformed(std::string("header '") + name + "' has a broken percent-encoding");
    if (!is_utf8(*decoded))
      return malformed(std::string("header '") + name + "' is not UTF-8 once percent-decoded");
    *slot = std::move(*decoded);
  }
  if (auto type = header("content-type")) {
    if (!is_json_media_type(*type))
      return malformed("header 'content-type' is \"" + printable(*type) + "\"; expected application/json");
    a.datacontenttype = std::string(*type);
  }
  if (auto problem = check(a)) {
    // Name the header, not the attribute: that is what the producer wrote.
    auto& text = *problem;
    if (auto at = text.find("attribute '"); at == 0)
      text.replace(0, 11, "header 'ce-");
    return malformed(std::move(text));
  }
  auto parsed = parse_body(body, "the body (the event's data)");
  if (auto* error = std::get_if<parse_error>(&parsed))
    return std::move(*error);
  auto& data = std::get<json::value>(parsed);
  if (!data.is_object())
    return malformed("the body (the event's data) must be a JSON object");
  return std::vector<event_ptr>{make_event(std::move(a), std::move(data))};
}

void carry_extension(event& ev, std::string_view name, std::string_view value) {
  if (!is_extension_name(name) ||
      std::find(std::begin(core_attributes), std::end(core_attributes), name) != std::end(core_attributes))
    return;
  auto same_name = [name](const auto& extension) { return extension.first == name; };
  if (auto found = std::find_if(ev.extensions.begin(), ev.extensions.end(), same_name); found != ev.extensions.end())
    found->second = value;
  else
    ev.extensions.emplace_back(name, value);
}

json::object to_json(const event& ev) {
  json::object out{{"specversion", ev.specversion}, {"type", ev.type},
                   {"id", ev.id},                   {"source", ev.source},
                   {"time", ev.time},               {"minorversion", ev.minorversion},
                   {"sourcehost", ev.sourcehost},   {"sourcelib", ev.sourcelib},
                   {"datacontenttype", ev.datacontenttype}, {"data", ev.data}};
  for (const auto& [name, value] : ev.extensions)
    out[name] = value;
  return out;
}

namespace {

void append_with_key(std::string& out, const event& ev, std::string_view key) {
  auto field = [&](std::string_view name, std::string_view value, bool first = false) {
    if (!first)
      out += ',';
    out += '"';
    out += name;
    out += "\":";
    out += json::serialize(json::string_view(value));
  };
  out += '{';
  field("specversion", ev.specversion, true);
  field("type", ev.type);
  field("id", ev.id);
  field("source", ev.source);
  field("time", ev.time);
  field("minorversion", ev.minorversion);
  field("sourcehost", ev.sourcehost);
  field("sourcelib", ev.sourcelib);
  field("datacontenttype", ev.datacontenttype);
  for (const auto& [name, value] : ev.extensions)
    if (key.empty() || name != "partitionkey")
      field(name, value);
  if (!key.empty())
    field("partitionkey", key);
  out += ",\"data\":";
  out += json::serialize(ev.data);
  out += '}';
}

}  // namespace

void append_json(std::string& out, const event& ev) { append_with_key(out, ev, {}); }

void append_json(std::string& out, const keyed_event& item) { append_with_key(out, *item.ev, item.key); }

}  // namespace eventrouter
