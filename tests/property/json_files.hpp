#pragma once
// The *.json files of the property test's folders (corpus, regressions), read whole.

#include <filesystem>
#include <string>
#include <vector>

namespace eventrouter::testing {

// The folder's *.json files, sorted by name, so that a run reads them in a stable order.
std::vector<std::filesystem::path> json_files_in(const std::filesystem::path& folder);

std::string read_text(const std::filesystem::path& file);

}  // namespace eventrouter::testing
