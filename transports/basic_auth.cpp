#include "transports/basic_auth.hpp"

#include <algorithm>
#include <cstdint>

namespace eventrouter::http {

namespace {

std::string base64(std::string_view in) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    auto left = std::min<std::size_t>(3, in.size() - i);
    std::uint32_t n = 0;
    for (std::size_t k = 0; k < 3; ++k)
      n = (n << 8) | (k < left ? static_cast<unsigned char>(in[i + k]) : 0u);
    for (std::size_t k = 0; k < 4; ++k)
      out += k <= left ? alphabet[(n >> (18 - 6 * k)) & 0x3F] : '=';
  }
  return out;
}

}  // namespace

std::string basic_authorization(std::string_view user_colon_password) {
  return "Basic " + base64(user_colon_password);
}

std::string basic_authorization(const config::url& where) {
  return basic_authorization(where.user + ":" + where.password);
}

}  // namespace eventrouter::http
