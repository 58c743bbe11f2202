#pragma once
// The readers of the configuration's sections, one file each (config/<section>_section.cpp):
// each reads its section into the typed value its component is built from, and reports every
// problem naming its key. They live in config/, below the components they serve (transports/,
// actors/), because config/loader reads the whole document through them and check-config runs
// them without building any component. config/loader.cpp calls them and checks what spans
// sections.

#include "config/json_reader.hpp"
#include "config/settings.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace eventrouter::config {

// http: the HTTP server (http_section.cpp).
void read_http(object_reader& r, http_settings& out);

// transports.memory, transports.redis, transports.kafka, transports.pulsar (memory_section.cpp,
// redis_section.cpp, kafka_section.cpp, pulsar_section.cpp), and the schema registry client's
// keys in transports.kafka (schema_registry_section.cpp).
void read_memory(object_reader& r, memory_settings& out);
void read_redis(object_reader& r, redis_settings& out);
void read_kafka(object_reader& r, kafka_settings& out);
void read_schema_registry(object_reader& r, kafka_settings& out);
void read_pulsar(object_reader& r, pulsar_settings& out);

// admin and reload (admin_section.cpp).
void read_admin(object_reader& r, admin_settings& out);
void read_reload(object_reader& r, reload_settings& out);

// schemas: the folder of Avro schemas, each checked (schema_section.cpp). A relative folder is
// taken from `base_folder`.
void read_schemas(object_reader& r, schema_settings& out, const std::string& base_folder);

// topics and producer_config (topic_section.cpp). `out.topic_prefix` and
// `out.default_transport` are read before them.
void read_topics(object_reader& root, settings& out);
void read_producer_config(object_reader& root, settings& out);
std::optional<transport_kind> read_transport(object_reader& r, std::string_view key);
std::string full_name(const std::string& prefix, const std::string& name);
void check_topic_name(const std::string& name, const std::string& path, problems_list& problems);
// An event_key_field: a period-separated path into the event data.
void check_key_path(const std::string& key, const std::string& path, problems_list& problems);

// consumers[] (consumer_section.cpp), after the topics; each consumer's sink (sink_section.cpp),
// an http sink's own keys (http_sink_section.cpp).
void read_consumers(object_reader& root, settings& out);
void read_sink(object_reader& consumer, consumer_settings& c, const settings& out);
void read_http_sink(object_reader& sink, sink_settings& out);

}  // namespace eventrouter::config
