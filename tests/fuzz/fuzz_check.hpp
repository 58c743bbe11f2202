#pragma once
// What the fuzz targets share: an invariant that fails aborts, which libFuzzer reports as a
// finding and saves the input of; the input as text.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace eventrouter::fuzz {

// Aborts, naming the invariant and what broke it, when `holds` is false.
inline void require(bool holds, std::string_view invariant, std::string_view detail = {}) {
  if (holds)
    return;
  std::fprintf(stderr, "invariant broken: %.*s\n%.*s\n", static_cast<int>(invariant.size()), invariant.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace eventrouter::fuzz
