// transports.kafka: the cluster and the librdkafka properties, which librdkafka itself checks.

#include "config/sections.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <iterator>
#include <memory>

namespace eventrouter::config {

namespace {

// Properties eventrouter sets itself, because its guarantees rest on them.
constexpr std::string_view managed_kafka_properties[] = {
  "bootstrap.servers", "group.id", "enable.auto.commit", "enable.auto.offset.store", "enable.idempotence", "acks",
  "partition.assignment.strategy"};

// A property's value as librdkafka takes it: text.
std::optional<std::string> property_text(const json::value& value) {
  if (value.is_string())
    return std::string(value.get_string());
  if (value.is_bool())
    return value.get_bool() ? "true" : "false";
  if (value.is_int64() || value.is_uint64())
    return json::serialize(value);
  return std::nullopt;
}

}  // namespace

void read_kafka(object_reader& r, kafka_settings& out) {
  auto& problems = r.problems();
  if (auto servers = r.string("bootstrap_servers", true)) {
    if (servers->empty())
      problems.add(r.path_of("bootstrap_servers"), "is empty; expected host:port[,host:port...]");
    out.bootstrap_servers = *servers;
  }
  const auto* properties = r.object("properties");
  if (properties == nullptr)
    return;
  auto base = r.path_of("properties");
  std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(), rd_kafka_conf_destroy);
  for (const auto& [name, value] : *properties) {
    auto path = member_path(base, name);
    auto text = property_text(value);
    if (!text) {
      problems.add(path, "is " + kind_of(value) + "; expected a string, number or boolean");
      continue;
    }
    auto expanded = expand_environment(*text, path, problems);
    if (!expanded)
      continue;
    if (std::find(std::begin(managed_kafka_properties), std::end(managed_kafka_properties), name) !=
        std::end(managed_kafka_properties)) {
      problems.add(path, "is set by eventrouter itself (bootstrap_servers, group_id and its delivery guarantees); "
                         "remove it");
      continue;
    }
    char error[512];
    if (rd_kafka_conf_set(conf.get(), std::string(name).c_str(), expanded->c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      problems.add(path, std::string("librdkafka: ") + error);
      continue;
    }
    out.properties.emplace(std::string(name), std::move(*expanded));
  }
}

}  // namespace eventrouter::config
