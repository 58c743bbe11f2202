#include "avro/utf8.hpp"

#include <cstddef>
#include <cstdint>

namespace eventrouter {

bool is_utf8(std::string_view s) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  for (std::size_t i = 0; i < s.size();) {
    auto c = byte(i);
    std::size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 4;
    if (n == 4 || i + n >= s.size())
      return false;
    std::uint32_t code = n == 0 ? c : c & (0x3f >> n);
    for (std::size_t k = 1; k <= n; ++k) {
      if ((byte(i + k) & 0xc0) != 0x80)
        return false;
      code = (code << 6) | (byte(i + k) & 0x3f);
    }
    static constexpr std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
    if (code < smallest[n] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

std::optional<std::string> pair_not_utf8(const std::vector<std::pair<std::string, std::string>>& pairs,
                                         std::string_view what, std::string_view payload) {
  for (const auto& [name, value] : pairs) {
    if (!is_utf8(name))
      return "a " + std::string(what) + " name is not UTF-8";
    if (name != payload && !is_utf8(value))
      return std::string(what) + " '" + name + "' is not UTF-8";
  }
  return std::nullopt;
}

}  // namespace eventrouter
