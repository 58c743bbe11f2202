#pragma once
// The Avro schema of each event type, parsed once from a configuration's schemas.by_type and
// then only read, by any number of threads: what topics in openedx format write with, and what
// a reader of a Redis topic in that format reads event_data with.

#include "config/settings.hpp"
#include "avro/avro_codec.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace eventrouter {

class schema_catalog {
 public:
  // Throws std::invalid_argument for a schema Avro C refuses (the loader has checked them all).
  explicit schema_catalog(const config::schema_settings& schemas);

  const avro_schema* find(std::string_view event_type) const;

 private:
  std::map<std::string, avro_schema, std::less<>> by_type_;
};

using schema_catalog_ptr = std::shared_ptr<const schema_catalog>;

// An event type's schema parsed, or std::invalid_argument naming what is wrong.
avro_schema parse_checked(std::string_view text, std::string_view what);

}  // namespace eventrouter
