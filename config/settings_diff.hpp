#pragma once
// What a reload changes, computed from two validated configurations: for the reload's log
// line and the admin answer, and to tell what only a restart applies.

#include "config/settings.hpp"

#include <string>
#include <vector>

namespace eventrouter::config {

// Routes as "<event type> -> <full topic>".
struct route_diff {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;  // its key field or enabled flag
};

route_diff diff_routes(const settings& before, const settings& after);

// The keys whose change a running process cannot apply (the HTTP listener and its limits, the
// memory topics' capacity, how the file is watched): their paths in the file. The rest of the reload still applies.
std::vector<std::string> restart_only_changes(const settings& before, const settings& after);

}  // namespace eventrouter::config
