#include "avro/openedx_schema.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <vector>

namespace eventrouter {

namespace json = boost::json;

namespace {

const json::string* string_member(const json::value& v, std::string_view key) {
  const auto* object = v.if_object();
  const auto* member = object == nullptr ? nullptr : object->if_contains(key);
  return member == nullptr ? nullptr : member->if_string();
}

// Python's json string: ASCII only (ensure_ascii), \uXXXX in lower-case hex, surrogate pairs
// past the Basic Multilingual Plane.
void append_python_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  auto escape = [&](unsigned unit) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4)
      out += hex[(unit >> shift) & 0xF];
  };
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20)
            escape(c);
          else
            out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // Boost.JSON hands us valid UTF-8 only.
    std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    unsigned code = c & (0x3F >> (length - 1));
    for (std::size_t k = 1; k < length && i + k < s.size(); ++k)
      code = (code << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    if (code >= 0x10000) {
      code -= 0x10000;
      escape(0xD800 + (code >> 10));
      escape(0xDC00 + (code & 0x3FF));
    } else {
      escape(code);
    }
    i += length;
  }
  out += '"';
}

void append_python_json(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      std::vector<const json::key_value_pair*> members;
      for (const auto& m : v.get_object())
        members.push_back(&m);
      // UTF-8 byte order is code point order, which is how Python sorts str keys.
      std::sort(members.begin(), members.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
      out += '{';
      for (std::size_t i = 0; i < members.size(); ++i) {
        out += i == 0 ? "" : ", ";
        append_python_string(out, members[i]->key());
        out += ": ";
        append_python_json(out, members[i]->value());
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        out += first ? "" : ", ";
        first = false;
        append_python_json(out, item);
      }
      out += ']';
      return;
    }
    case json::kind::string: append_python_string(out, v.get_string()); return;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case json::kind::null: out += "null"; return;
    default: out += json::serialize(v); return;  // numbers: schemas hold integers (sizes, defaults)
  }
}

}  // namespace

std::optional<std::string> check_event_schema(const json::value& schema, std::string_view event_type) {
  const auto* type = string_member(schema, "type");
  if (type == nullptr || *type != "record")
    return std::string("is not an Avro record schema; expected {\"type\": \"record\", \"name\": \"CloudEvent\", ...}");
  const auto* name = string_member(schema, "name");
  const auto* space = string_member(schema, "namespace");
  auto expected = std::string(event_type) + ".CloudEvent";
  // Avro allows the namespace inside the name as well.
  bool named = name != nullptr && (*name == expected || (*name == "CloudEvent" && space != nullptr && *space == event_type));
  if (!named)
    return "names its record " + (name == nullptr ? std::string("nothing") : "\"" + std::string(*name) + "\"") +
           (space == nullptr ? std::string() : " in namespace \"" + std::string(*space) + "\"") +
           "; expected \"CloudEvent\" in namespace \"" + std::string(event_type) + "\", as openedx-events writes it";
  return std::nullopt;
}

std::variant<json::value, std::string> key_field_schema(const json::value& schema, std::string_view key_field) {
  const json::value* at = &schema;
  std::string walked;
  std::size_t start = 0;
  while (start <= key_field.size()) {
    auto dot = std::min(key_field.find('.', start), key_field.size());
    auto step = key_field.substr(start, dot - start);
    // A field's entry whose type is a record: descend into that record (descend_avro_schema).
    if (const auto* object = at->if_object(); object != nullptr && !object->contains("fields"))
      if (const auto* type = object->if_contains("type"))
        at = type;
    const auto* fields = at->is_object() ? at->get_object().if_contains("fields") : nullptr;
    if (fields == nullptr || !fields->is_array())
      return "'" + walked + "' is not a record in the schema, so it has no field '" + std::string(step) + "'";
    const json::value* found = nullptr;
    for (const auto& f : fields->get_array())
      if (const auto* n = string_member(f, "name"); n != nullptr && *n == step)
        found = &f;
    walked += (walked.empty() ? "" : ".") + std::string(step);
    if (found == nullptr)
      return "the schema has no field '" + walked + "'";
    at = found;
    start = dot + 1;
  }
  return *at;
}

std::string registry_text(const json::value& schema) {
  std::string out;
  append_python_json(out, schema);
  return out;
}

std::string topic_record_subject(std::string_view topic, const json::value& schema) {
  // confluent-kafka takes the name fastavro gives: a named type's full name; for a primitive,
  // even in a field entry such as {"name": "usage_key", "type": "string"}, its type.
  const auto* type = string_member(schema, "type");
  const auto* name = string_member(schema, "name");
  if (type != nullptr && name != nullptr && (*type == "record" || *type == "enum" || *type == "fixed")) {
    const auto* space = string_member(schema, "namespace");
    if (name->find('.') == std::string::npos && space != nullptr && !space->empty())
      return std::string(topic) + "-" + std::string(*space) + "." + std::string(*name);
    return std::string(topic) + "-" + std::string(*name);
  }
  if (type != nullptr)
    return std::string(topic) + "-" + std::string(*type);
  if (const auto* object = schema.if_object(); object != nullptr && object->contains("type"))
    return topic_record_subject(topic, object->at("type"));
  if (const auto* primitive = schema.if_string())
    return std::string(topic) + "-" + std::string(*primitive);
  return std::string(topic);
}

std::string confluent_header(std::uint32_t schema_id) {
  std::string out(confluent_header_size, '\0');
  for (int i = 0; i < 4; ++i)
    out[static_cast<std::size_t>(4 - i)] = static_cast<char>((schema_id >> (8 * i)) & 0xFF);
  return out;
}

std::optional<confluent_framed> parse_confluent_frame(std::string_view bytes) {
  if (bytes.size() < confluent_header_size || bytes[0] != '\0')
    return std::nullopt;
  std::uint32_t id = 0;
  for (std::size_t i = 1; i < confluent_header_size; ++i)
    id = (id << 8) | static_cast<unsigned char>(bytes[i]);
  return confluent_framed{id, bytes.substr(confluent_header_size)};
}

}  // namespace eventrouter
