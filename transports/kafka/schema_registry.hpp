#pragma once
// A client of a Confluent-compatible schema registry (transports.kafka.schema_registry_url), for
// topics in openedx format on Kafka: the control plane registers a route's schemas when a
// configuration is applied, and readers fetch a writer's schema by the id in a message's framing.
// Blocking, one request at a time per client, with the configured timeout; callers cache.

#include "config/settings.hpp"
#include "router/event_data.hpp"
#include "transports/http_request.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace eventrouter::kafka {

// The registry has no (usable) schema by that id: what needs it can never be read.
struct unknown_schema : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class schema_registry {
 public:
  // `settings.schema_registry_url` as the loader parsed it.
  explicit schema_registry(const config::kafka_settings& settings);

  // The id of `schema` under `subject`, registered if it was not (as Open edX producers do,
  // with auto.register.schemas). Throws std::runtime_error naming the registry and subject.
  std::uint32_t register_schema(const std::string& subject, const std::string& schema);

  // The schema text with that id. Throws unknown_schema when the registry has none, and
  // std::runtime_error when it cannot be asked.
  std::string schema_by_id(std::uint32_t id);

 private:
  http::reply request(const char* method, const std::string& target, const std::string& body);

  std::string url_;            // for messages: its credentials masked
  config::url where_;          // its path without a trailing slash
  std::string authorization_;  // "Basic ..." or empty
  std::chrono::milliseconds timeout_;
};

// Kafka topics in openedx format: values and keys are Avro in Confluent's framing, read with the
// writer's schema, fetched from the registry by id once per reader. A message whose schema the
// registry does not have is malformed; a registry that cannot be reached throws, for the reader
// to try again.
std::unique_ptr<payload_decoder> registry_decoder(std::shared_ptr<schema_registry> registry);

}  // namespace eventrouter::kafka
