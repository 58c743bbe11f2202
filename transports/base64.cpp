#include "transports/base64.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace eventrouter {

namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Each character's six bits, or -1 for a character outside the alphabet.
constexpr std::array<std::int8_t, 256> sextets = [] {
  std::array<std::int8_t, 256> out{};
  out.fill(-1);
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    out[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return out;
}();

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    auto left = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t n = 0;
    for (std::size_t k = 0; k < 3; ++k)
      n = (n << 8) | (k < left ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    for (std::size_t k = 0; k < 4; ++k)
      out += k <= left ? alphabet[(n >> (18 - 6 * k)) & 0x3F] : '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    std::size_t padding = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    std::uint32_t n = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      auto bits = k < 4 - padding ? sextets[static_cast<unsigned char>(text[i + k])] : 0;
      if (bits < 0)
        return std::nullopt;
      n = (n << 6) | static_cast<std::uint32_t>(bits);
    }
    for (std::size_t k = 0; k < 3 - padding; ++k)
      out += static_cast<char>((n >> (16 - 8 * k)) & 0xFF);
  }
  return out;
}

}  // namespace eventrouter
