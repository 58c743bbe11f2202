// topics and producer_config: every topic with its transport and format, and the routes of
// event types to topics (Open edX EVENT_BUS_PRODUCER_CONFIG).

#include "config/sections.hpp"
#include "config/transports.hpp"

#include <algorithm>
#include <cctype>

namespace eventrouter::config {

namespace {

// Kafka's rule for topic names, which also suits Redis stream keys (and holds no control
// character, so a topic name is safe on any wire).
bool is_topic_name(std::string_view name) {
  return !name.empty() && name.size() <= 249 && name != "." && name != ".." &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
         });
}

}  // namespace

std::optional<transport_kind> read_transport(object_reader& r, std::string_view key) {
  std::vector<std::pair<std::string_view, transport_kind>> names;
  for (const auto& t : transports())
    names.emplace_back(t.name, t.kind);
  return r.choice<transport_kind>(key, names);
}

std::string full_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "-" + name;
}

void check_key_path(const std::string& key, const std::string& path, problems_list& problems) {
  if (key.empty() || key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos)
    problems.add(path, "is \"" + key + "\"; expected a period-separated path into the event data, e.g. xblock_info.usage_key");
}

void check_topic_name(const std::string& name, const std::string& path, problems_list& problems) {
  if (!is_topic_name(name))
    problems.add(path,
                 "topic name " + quoted(name) + " is not valid; expected 1 to 249 characters of a-z A-Z 0-9 . _ -");
}

void read_topics(object_reader& r, settings& out) {
  auto& problems = r.problems();
  const auto* topics = r.object("topics");
  if (topics == nullptr)
    return;
  for (const auto& [name, value] : *topics) {
    auto path = member_path(r.path_of("topics"), name);
    check_topic_name(std::string(name), path, problems);
    topic_settings topic{std::string(name), full_name(out.topic_prefix, std::string(name)),
                         out.default_transport, topic_format::json};
    if (!value.is_object()) {
      problems.add(path, "is " + kind_of(value) + "; expected an object such as {\"transport\": \"memory\"}");
    } else {
      object_reader t(value.get_object(), path, problems);
      if (auto transport = read_transport(t, "transport"))
        topic.transport = *transport;
      if (auto format = t.choice<topic_format>("format", {{"json", topic_format::json}, {"openedx", topic_format::openedx}}))
        topic.format = *format;
    }
    // Listed even when broken, so consumers of it do not report a second, misleading problem.
    out.topics.emplace(topic.name, std::move(topic));
  }
}

void read_producer_config(object_reader& r, settings& out) {
  auto& problems = r.problems();
  const auto* config = r.object("producer_config");
  if (config == nullptr)
    return;
  for (const auto& [event_type, topics] : *config) {
    auto type_path = member_path(r.path_of("producer_config"), event_type);
    if (!topics.is_object() || topics.get_object().empty()) {
      problems.add(type_path, "is " + kind_of(topics) +
                                "; expected an object of topics, e.g. {\"my-topic\": {\"event_key_field\": \"a.b\"}}");
      continue;
    }
    for (const auto& [topic, value] : topics.get_object()) {
      auto path = member_path(type_path, topic);
      check_topic_name(std::string(topic), path, problems);
      if (!value.is_object()) {
        problems.add(path, "is " + kind_of(value) + "; expected {\"event_key_field\": \"...\", \"enabled\": true}");
        continue;
      }
      object_reader route_reader(value.get_object(), path, problems);
      route rt{std::string(event_type), std::string(topic), "", true};
      if (auto key = route_reader.string("event_key_field", true)) {
        check_key_path(*key, route_reader.path_of("event_key_field"), problems);
        rt.event_key_field = *key;
      }
      if (auto enabled = route_reader.boolean("enabled"))
        rt.enabled = *enabled;
      // A topic named only here uses the default transport.
      out.topics.try_emplace(rt.topic, topic_settings{rt.topic, full_name(out.topic_prefix, rt.topic),
                                                      out.default_transport, topic_format::json});
      out.routes.push_back(std::move(rt));
    }
  }
}

}  // namespace eventrouter::config
