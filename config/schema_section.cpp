// schemas: the folder of Avro schemas, one per event type, each checked as Avro C and
// openedx-events see it.

#include "config/sections.hpp"

#include "avro/avro_codec.hpp"
#include "avro/openedx_schema.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace eventrouter::config {

namespace {

// Every <event type>.avsc in the folder, each checked as Avro C and openedx-events see it.
void read_schema_folder(const std::string& folder, const std::string& path, schema_settings& out,
                        problems_list& problems) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator entries(folder, ec);
  if (ec) {
    problems.add(path, "cannot read the folder " + folder + ": " + ec.message());
    return;
  }
  constexpr std::uintmax_t max_schema_bytes = 1 << 20;
  for (const auto& entry : entries) {
    if (entry.path().extension() != ".avsc")
      continue;
    auto file = entry.path().string();
    auto type = entry.path().stem().string();
    auto fail = [&](const std::string& why) { problems.add(path, file + ": " + why); };
    auto size = entry.file_size(ec);
    if (ec || size > max_schema_bytes) {
      fail(ec ? ec.message() : "is larger than 1 MiB; expected one event type's schema");
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      fail(std::string("cannot read it: ") + std::strerror(errno));
      continue;
    }
    json::error_code json_error;
    auto schema = json::parse(text.str(), json_error);
    if (json_error) {
      fail("not valid JSON: " + json_error.message());
      continue;
    }
    if (auto wrong = check_event_schema(schema, type)) {
      fail(*wrong);
      continue;
    }
    if (auto parsed = avro_schema::parse(text.str()); std::holds_alternative<avro_error>(parsed)) {
      fail("Avro C refuses it: " + std::get<avro_error>(parsed).message);
      continue;
    }
    out.by_type.emplace(type, text.str());
  }
}

}  // namespace

void read_schemas(object_reader& r, schema_settings& out, const std::string& base_folder) {
  auto folder = r.string("directory", true);
  if (!folder)
    return;
  out.directory = *folder;
  std::filesystem::path where(*folder);
  if (where.is_relative() && !base_folder.empty())
    where = std::filesystem::path(base_folder) / where;
  read_schema_folder(where.string(), r.path_of("directory"), out, r.problems());
}

}  // namespace eventrouter::config
