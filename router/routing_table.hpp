#pragma once
// The routing table: event type -> the topics it goes to, each with its key path. Built once
// from a validated configuration and never changed afterwards, so any number of threads read
// it without locks; a new configuration builds a new table.

#include "config/settings.hpp"
#include "avro/avro_codec.hpp"
#include "router/key_path.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace eventrouter {

// How a route to a topic in openedx format writes an event (avro/openedx_schema.hpp).
struct openedx_route {
  avro_schema value;         // the event type's schema
  avro_schema key;           // the key field's entry in it
  std::string value_header;  // Confluent's framing with the registry's ids, on Kafka; empty elsewhere
  std::string key_header;
};

// The id a Confluent-compatible schema registry has (or gives) `schema_text` under `subject`.
// Throws std::runtime_error when it cannot say.
using schema_id_lookup = std::function<std::uint32_t(const std::string& subject, const std::string& schema_text)>;

struct route_target {
  std::string event_type;
  std::string topic;        // as in the configuration
  std::string full_topic;   // with the prefix: the name on the wire
  std::size_t topic_index;  // into routing_table::topics()
  key_path key;
  bool enabled;
  std::shared_ptr<const openedx_route> openedx;  // set when the topic is in openedx format
};

class routing_table {
 public:
  // `registry` gives the schema ids of routes to Kafka topics in openedx format; building the
  // table throws std::runtime_error when it cannot (no lookup given, the registry down).
  explicit routing_table(const config::settings& settings, const schema_id_lookup& registry = {});

  // The enabled routes of an event type (possibly none, when every route is disabled), or
  // nullptr when the configuration does not know the type at all.
  const std::vector<route_target>* enabled_routes(std::string_view event_type) const;

  const std::vector<route_target>& all_routes() const { return all_; }
  const std::vector<std::string>& topics() const { return topics_; }  // full names
  std::optional<std::size_t> topic_index(std::string_view full_topic) const;

  // {"topic_prefix": ..., "topics": [...], "routes": [{event_type, topic, full_topic,
  //  event_key_field, enabled}]}, as GET /v1/routes shows it.
  boost::json::object to_json() const;

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <class T>
  using by_name = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;

  std::string prefix_;
  std::vector<std::string> topics_;
  by_name<std::size_t> topic_indexes_;
  std::vector<route_target> all_;
  by_name<std::vector<route_target>> enabled_;
};

}  // namespace eventrouter
