#include "fuzz_schemas.hpp"

#include "fuzz_check.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace eventrouter::fuzz {

const std::string& schema_folder() {
  static const std::string folder = EVENTROUTER_FUZZ_SCHEMAS;
  return folder;
}

const config::schema_settings& schema_files() {
  static const auto files = [] {
    config::schema_settings out{schema_folder(), {}};
    for (const auto& entry : std::filesystem::directory_iterator(schema_folder())) {
      std::ostringstream text;
      text << std::ifstream(entry.path()).rdbuf();
      out.by_type.emplace(entry.path().stem().string(), text.str());
    }
    require(!out.by_type.empty(), "tests/fuzz/schemas has schemas", schema_folder());
    return out;
  }();
  return files;
}

const std::vector<avro_schema>& schemas() {
  static const auto parsed = [] {
    std::vector<avro_schema> out;
    for (const auto& [type, text] : schema_files().by_type) {
      auto schema = avro_schema::parse(text);
      const auto* error = std::get_if<avro_error>(&schema);
      require(error == nullptr, "every schema of tests/fuzz/schemas parses", type + ": " + (error ? error->message : ""));
      out.push_back(std::get<avro_schema>(std::move(schema)));
    }
    return out;
  }();
  return parsed;
}

}  // namespace eventrouter::fuzz
