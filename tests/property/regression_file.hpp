#pragma once
// tests/property/regressions/*.json: every configuration the property test ever caught, run
// first on every run. One file each:
//   { "note": "one line: what disagreed",
//     "expect": "accepted" | "refused" | "either",   what check-config must say
//     "base": "memory.json",                         the corpus file a reload starts from
//     "config": { ... } }                            with @redis_address@, @webhook_address@, @schemas@
// "either" when the fix may go both ways (refuse the value, or serve it); agreement is checked
// whatever check-config says.

#include <filesystem>
#include <string>
#include <vector>

namespace eventrouter::testing {

struct regression_case {
  std::string name;  // the file's stem
  std::string note;
  std::string expect;
  std::string base;
  std::string config_text;  // with placeholders
};

inline const std::filesystem::path regressions_folder = EVENTROUTER_SOURCE_DIR "/tests/property/regressions";

std::vector<regression_case> read_regressions(const std::filesystem::path& folder);

// Writes `c` as <folder>/<c.name>.json unless a file of that name is there; true when written.
bool keep_regression(const std::filesystem::path& folder, const regression_case& c);

// A file name's stem for a class of disagreements: letters, digits and dashes.
std::string file_stem_for(const std::string& class_name);

}  // namespace eventrouter::testing
