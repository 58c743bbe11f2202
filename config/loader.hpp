#pragma once
// Loading and validating a configuration file. A file is either valid as a whole or rejected
// with every problem in it, each naming where it is (a JSON path such as
// `$.consumers[0].topic`), what is wrong and what is expected: an operator fixes a broken file
// in one pass, and a running service never applies half a configuration.
//
// The file is JSON with comments and trailing commas allowed. Any string may use `${NAME}`
// (the environment variable NAME, which must be set) or `${NAME:-fallback}`.

#include "config/settings.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eventrouter::config {

struct problem {
  std::string path;     // JSON path into the file: $, $.http.listen, $.producer_config["a.b"]
  std::string message;  // what is wrong and what is expected
};

std::string to_string(const problem& p);

struct load_result {
  std::optional<settings> value;  // set exactly when problems is empty
  std::vector<problem> problems;
};

// `base_folder`: where relative paths in the text start (schemas.directory); empty: the
// current folder. A file's own folder, for load_settings_file.
load_result parse_settings(std::string_view text, const std::string& base_folder = {});
load_result load_settings_file(const std::string& path);

}  // namespace eventrouter::config
