#include "config/wire_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace eventrouter::config {

namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

std::string name_of(unsigned char c) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", c);
  switch (c) {
    case '\0': return std::string("a NUL (") + hex + ")";
    case '\t': return std::string("a tab (") + hex + ")";
    case '\n': return std::string("an LF (") + hex + ")";
    case '\r': return std::string("a CR (") + hex + ")";
    default: return std::string("the control character ") + hex;
  }
}

}  // namespace

std::optional<std::string> find_control_character(std::string_view text) {
  auto found = std::find_if(text.begin(), text.end(), [](char c) { return is_control(static_cast<unsigned char>(c)); });
  if (found == text.end())
    return std::nullopt;
  return name_of(static_cast<unsigned char>(*found)) + " at character " + std::to_string(found - text.begin() + 1);
}

bool is_http_token(std::string_view text) {
  constexpr std::string_view punctuation = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || punctuation.find(c) != std::string_view::npos;
  });
}

}  // namespace eventrouter::config
