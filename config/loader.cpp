#include "config/loader.hpp"

#include "config/json_reader.hpp"
#include "config/sections.hpp"
#include "config/transports.hpp"
#include "avro/openedx_schema.hpp"
#include "avro/utf8.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace eventrouter::config {

namespace {

void read_transports(object_reader& r, settings& out) {
  for (const auto& t : transports())
    r.read_object(t.name, [&](object_reader& section) { t.read(section, out); });
}

// Every transport a topic uses must be configured under transports, and what its topics need
// of it set.
void check_transports(const settings& out, problems_list& problems) {
  for (const auto& t : transports()) {
    std::string users;
    for (const auto& [name, topic] : out.topics)
      if (topic.transport == t.kind)
        users += (users.empty() ? "" : ", ") + name;
    if (users.empty())
      continue;
    if (!t.configured(out))
      problems.add("$.transports." + std::string(t.name),
                   "missing; topics on the " + std::string(t.name) + " transport need it: " + users);
    else if (t.check)
      t.check(out, problems);
  }
}

// Topics in openedx format write each event with its type's schema.
void check_openedx_topics(const settings& out, problems_list& problems) {
  for (const auto& rt : out.routes) {
    if (out.topics.at(rt.topic).format != topic_format::openedx)
      continue;
    auto path = member_path(member_path("$.producer_config", rt.event_type), rt.topic);
    auto schema = out.schemas.by_type.find(rt.event_type);
    if (schema == out.schemas.by_type.end()) {
      problems.add(path, "goes to a topic in openedx format, but " +
                           (out.schemas.directory.empty() ? std::string("schemas.directory is not set")
                                                          : out.schemas.directory + " has no " + rt.event_type + ".avsc") +
                           "; scripts/openedx-schemas writes the schema of every Open edX event type");
      continue;
    }
    if (rt.event_key_field.empty())
      continue;
    auto key = key_field_schema(json::parse(schema->second), rt.event_key_field);
    if (auto* why = std::get_if<std::string>(&key))
      problems.add(path + ".event_key_field", "\"" + rt.event_key_field + "\" cannot be the key: " + *why);
  }
  // Only routes encode with a route's key schema; other writers would have none.
  for (std::size_t i = 0; i < out.consumers.size(); ++i) {
    const auto& c = out.consumers[i];
    auto refuse = [&](const std::string& key, const std::string& topic) {
      if (!topic.empty() && out.topics.count(topic) && out.topics.at(topic).format == topic_format::openedx)
        problems.add(index_path("$.consumers", i) + key,
                     "names topic \"" + topic + "\", which is in openedx format; this version of eventrouter writes "
                     "openedx topics through routes only (use a json topic, or a sink of type \"route\")");
    };
    refuse(".dead_letter_topic", c.dead_letter_topic);
    if (c.sink.type == sink_kind::topic)
      refuse(".sink.topic", c.sink.topic);
  }
}

settings read_settings(const json::object& root, const std::string& base_folder, problems_list& problems) {
  settings out;
  object_reader r(root, "$", problems);
  // Read first what the rest depends on: the prefix names topics, the default transport
  // applies to topics named only in producer_config.
  if (auto prefix = r.string("topic_prefix")) {
    if (!prefix->empty())
      check_topic_name(*prefix, r.path_of("topic_prefix"), problems);
    out.topic_prefix = *prefix;
  }
  if (auto transport = read_transport(r, "default_transport"))
    out.default_transport = *transport;
  r.read_object("http", [&](object_reader& http) { read_http(http, out.http); });
  r.read_object("transports", [&](object_reader& transports) { read_transports(transports, out); });
  if (auto t = r.millis("shutdown_timeout_ms", 1, 3600000))
    out.shutdown_timeout = *t;
  r.read_object("admin", [&](object_reader& admin) { read_admin(admin, out.admin); });
  r.read_object("reload", [&](object_reader& reload) { read_reload(reload, out.reload); });
  r.read_object("schemas", [&](object_reader& schemas) { read_schemas(schemas, out.schemas, base_folder); });
  read_topics(r, out);
  read_producer_config(r, out);
  read_consumers(r, out);
  check_transports(out, problems);
  check_openedx_topics(out, problems);
  return out;
}

// Line and column of a byte offset, for parse errors.
std::string position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
  auto line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  auto column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

std::string to_string(const problem& p) { return p.path + ": " + p.message; }

load_result parse_settings(std::string_view text, const std::string& base_folder) {
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  options.max_depth = 64;
  json::stream_parser parser({}, options);
  json::error_code ec;
  auto consumed = parser.write(text.data(), text.size(), ec);
  if (!ec)
    parser.finish(ec);
  if (ec)
    return {std::nullopt, {{"$", "not valid JSON at " + position_of(text, consumed) + ": " +
                                   (is_utf8(text) ? ec.message() : "the file is not UTF-8")}}};
  auto root = parser.release();
  if (!root.is_object())
    return {std::nullopt, {{"$", "is " + kind_of(root) + "; expected a JSON object"}}};
  problems_list problems;
  auto result = read_settings(root.get_object(), base_folder, problems);
  if (!problems.empty())
    return {std::nullopt, problems.take()};
  return {std::move(result), {}};
}

load_result load_settings_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return {std::nullopt, {{"$", "cannot read " + path + ": it is a directory, not a file"}}};
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return {std::nullopt, {{"$", "cannot read " + path + ": " + std::strerror(errno)}}};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_settings(text.str(), std::filesystem::path(path).parent_path().string());
}

}  // namespace eventrouter::config
