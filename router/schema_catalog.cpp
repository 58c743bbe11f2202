#include "router/schema_catalog.hpp"

#include <stdexcept>

namespace eventrouter {

avro_schema parse_checked(std::string_view text, std::string_view what) {
  auto parsed = avro_schema::parse(text);
  if (auto* error = std::get_if<avro_error>(&parsed))
    throw std::invalid_argument("the schema of " + std::string(what) + ": " + error->message);
  return std::get<avro_schema>(std::move(parsed));
}

schema_catalog::schema_catalog(const config::schema_settings& schemas) {
  for (const auto& [type, text] : schemas.by_type)
    by_type_.emplace(type, parse_checked(text, type));
}

const avro_schema* schema_catalog::find(std::string_view event_type) const {
  auto it = by_type_.find(event_type);
  return it == by_type_.end() ? nullptr : &it->second;
}

}  // namespace eventrouter
