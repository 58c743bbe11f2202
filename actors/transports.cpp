// The registry of transports: one line each.

#include "actors/transport.hpp"

#include "transports/kafka/kafka_topic_access.hpp"
#include "transports/pulsar/pulsar_topic_access.hpp"
#include "transports/redis/redis_topic_access.hpp"

#include <algorithm>
#include <iterator>

namespace eventrouter {

caf::expected<link_ptr> link_memory(const link_request&);
caf::expected<link_ptr> link_redis(const link_request&);
caf::expected<link_ptr> link_kafka(const link_request&);
caf::expected<link_ptr> link_pulsar(const link_request&);

namespace {

struct registered_transport {
  config::transport_kind kind;
  caf::expected<link_ptr> (*link)(const link_request&);
  std::unique_ptr<topic_access> (*access)(const config::settings&);  // none: no access from outside the service
};

constexpr registered_transport registry[] = {
  {config::transport_kind::memory, link_memory, nullptr},
  {config::transport_kind::redis, link_redis, redis_topic_access},
  {config::transport_kind::kafka, link_kafka, kafka_topic_access},
  {config::transport_kind::pulsar, link_pulsar, pulsar_topic_access},
};

const registered_transport& registered(config::transport_kind kind) {
  return *std::find_if(std::begin(registry), std::end(registry), [&](const auto& t) { return t.kind == kind; });
}

}  // namespace

void transport_link::group_left(const topic_actor&, const std::string&) {}

caf::expected<link_ptr> link_transport(config::transport_kind kind, const link_request& request) {
  return registered(kind).link(request);
}

std::unique_ptr<topic_access> topic_access_for(config::transport_kind kind, const config::settings& settings) {
  auto access = registered(kind).access;
  return access ? access(settings) : nullptr;
}

const std::vector<config::transport_kind>& transport_kinds() {
  static const auto kinds = [] {
    std::vector<config::transport_kind> out;
    for (const auto& t : registry)
      out.push_back(t.kind);
    return out;
  }();
  return kinds;
}

}  // namespace eventrouter
