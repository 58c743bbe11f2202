#pragma once
// Failures that cross actors: a caf::error carrying a sentence an operator can read.

#include <caf/error.hpp>
#include <caf/sec.hpp>

#include <string>

namespace eventrouter {

inline caf::error failure(std::string why) {
  return caf::make_error(caf::sec::runtime_error, std::move(why));
}

// The sentence a failure() carries, or CAF's rendering of any other error.
inline std::string describe(const caf::error& e) {
  const auto& ctx = e.context();
  if (ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return caf::to_string(e);
}

}  // namespace eventrouter
