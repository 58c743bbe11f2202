// The transports the configuration knows: one entry each.

#include "config/transports.hpp"

#include "config/sections.hpp"

#include <algorithm>

namespace eventrouter::config {

namespace {

// Topics in openedx format on Kafka register their schemas.
void check_kafka(const settings& out, problems_list& problems) {
  std::string registering;
  for (const auto& [name, topic] : out.topics)
    if (topic.format == topic_format::openedx && topic.transport == transport_kind::kafka)
      registering += (registering.empty() ? "" : ", ") + name;
  if (!registering.empty() && out.kafka->schema_registry_url.empty())
    problems.add("$.transports.kafka.schema_registry_url",
                 "missing; topics in openedx format on Kafka register their schemas there: " + registering);
}

}  // namespace

const std::vector<transport_description>& transports() {
  static const std::vector<transport_description> all{
    {.kind = transport_kind::memory,
     .name = "memory",
     .read = [](object_reader& r, settings& out) { read_memory(r, out.memory); },
     .configured = [](const settings&) { return true; },
     .in_process = true},
    {.kind = transport_kind::redis,
     .name = "redis",
     .read = [](object_reader& r, settings& out) { read_redis(r, out.redis.emplace()); },
     .configured = [](const settings& out) { return out.redis.has_value(); },
     .consumer_options = {"from_beginning", "claim_idle_ms", "last_read_id"}},
    {.kind = transport_kind::kafka,
     .name = "kafka",
     .read =
       [](object_reader& r, settings& out) {
         read_kafka(r, out.kafka.emplace());
         read_schema_registry(r, *out.kafka);
       },
     .configured = [](const settings& out) { return out.kafka.has_value(); },
     .check = check_kafka,
     .openedx_registers_schemas = true,
     .consumer_options = {"from_beginning"}},
    {.kind = transport_kind::pulsar,
     .name = "pulsar",
     .read = [](object_reader& r, settings& out) { read_pulsar(r, out.pulsar.emplace()); },
     .configured = [](const settings& out) { return out.pulsar.has_value(); },
     .consumer_options = {"from_beginning"}},
  };
  return all;
}

const transport_description& description_of(transport_kind kind) {
  const auto& all = transports();
  return *std::find_if(all.begin(), all.end(), [&](const auto& t) { return t.kind == kind; });
}

}  // namespace eventrouter::config
