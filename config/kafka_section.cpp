// transports.kafka: the cluster and the librdkafka properties, which librdkafka itself checks.

#include "config/sections.hpp"

#include "config/kafka_guarantees.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <iterator>
#include <memory>

namespace eventrouter::config {

namespace {

bool set_by_eventrouter(std::string_view name) {
  auto named = [&](const kafka_guarantees::property& p) { return p.first == name; };
  return std::any_of(kafka_guarantees::producer.begin(), kafka_guarantees::producer.end(), named) ||
         std::any_of(kafka_guarantees::consumer.begin(), kafka_guarantees::consumer.end(), named) ||
         std::find(kafka_guarantees::per_client.begin(), kafka_guarantees::per_client.end(), name) !=
           kafka_guarantees::per_client.end();
}

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

void discard_log(const rd_kafka_t*, int, const char*, const char*) {}

// Some properties are accepted one by one and refused together, or only when a client is made
// (a certificate file that cannot be read, SASL without its credentials, idempotence with more
// than 5 requests in flight): make each kind of client once with eventrouter's own properties,
// as the service will, but without bootstrap servers, so that it connects nowhere.
template <std::size_t N>
std::optional<std::string> refused_by_client(const rd_kafka_conf_t* properties, rd_kafka_type_t type,
                                             const std::array<kafka_guarantees::property, N>& guarantees) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_dup(properties);
  rd_kafka_conf_set_log_cb(conf, discard_log);  // "no bootstrap.servers" is the point here
  for (const auto& [name, value] : guarantees)
    rd_kafka_conf_set(conf, std::string(name).c_str(), std::string(value).c_str(), error, sizeof error);
  if (type == RD_KAFKA_CONSUMER)
    rd_kafka_conf_set(conf, "group.id", "eventrouter-check-config", error, sizeof error);
  rd_kafka_t* client = rd_kafka_new(type, conf, error, sizeof error);
  if (client == nullptr) {
    rd_kafka_conf_destroy(conf);  // rd_kafka_new owns it only when it succeeds
    return std::string(error);
  }
  rd_kafka_destroy(client);
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
    if (set_by_eventrouter(name)) {
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
  if (out.properties.size() != properties->size())
    return;  // the problems above come first
  auto why = refused_by_client(conf.get(), RD_KAFKA_PRODUCER, kafka_guarantees::producer);
  if (!why)
    why = refused_by_client(conf.get(), RD_KAFKA_CONSUMER, kafka_guarantees::consumer);
  if (why)
    problems.add(base, "librdkafka cannot make a client with these properties: " + *why);
}

}  // namespace eventrouter::config
