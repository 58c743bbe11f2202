#pragma once
// What tests ask of a program's output: whether it holds a piece of text, and its lines.

#include <sstream>
#include <string>
#include <vector>

namespace eventrouter::testing {

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

}  // namespace eventrouter::testing
