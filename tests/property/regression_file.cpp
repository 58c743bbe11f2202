#include "regression_file.hpp"

#include "json_files.hpp"
#include "seed_corpus.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <fstream>

namespace eventrouter::testing {

namespace json = boost::json;
namespace fs = std::filesystem;

std::vector<regression_case> read_regressions(const fs::path& folder) {
  std::vector<regression_case> out;
  for (const auto& file : json_files_in(folder)) {
    auto doc = parse_config(read_text(file)).as_object();
    out.push_back({file.stem().string(), std::string(doc.at("note").as_string()),
                   std::string(doc.at("expect").as_string()), std::string(doc.at("base").as_string()),
                   json::serialize(doc.at("config"))});
  }
  return out;
}

bool keep_regression(const fs::path& folder, const regression_case& c) {
  auto file = folder / (c.name + ".json");
  if (fs::exists(file))
    return false;
  json::object doc{{"note", c.note}, {"expect", c.expect}, {"base", c.base}, {"config", parse_config(c.config_text)}};
  std::ofstream out(file);
  out << json::serialize(doc) << "\n";
  return static_cast<bool>(out);  // a read-only source tree: printed, not kept
}

std::string file_stem_for(const std::string& class_name) {
  std::string out;
  for (char c : class_name) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  return out.substr(0, 120);
}

}  // namespace eventrouter::testing
