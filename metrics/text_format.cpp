#include "metrics/text_format.hpp"

#include <cctype>
#include <cstdlib>
#include <optional>

namespace eventrouter::metrics {

namespace {

bool name_char(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

void skip_blanks(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
}

// A metric or label name at the start of `s`, taken off it; empty when there is none.
std::string take_name(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && name_char(s[n], n == 0))
    ++n;
  std::string out(s.substr(0, n));
  s.remove_prefix(n);
  return out;
}

// A quoted label value, unescaped (\\, \" and \n), taken off `s`.
std::optional<std::string> take_quoted(std::string_view& s) {
  if (s.empty() || s.front() != '"')
    return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      s.remove_prefix(i + 1);
      return out;
    }
    if (c == '\\' && i + 1 < s.size()) {
      c = s[++i];
      out += c == 'n' ? '\n' : c;
      continue;
    }
    out += c;
  }
  return std::nullopt;  // no closing quote
}

// {name="value",...} taken off `s`; nullopt when malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> take_labels(std::string_view& s) {
  std::vector<std::pair<std::string, std::string>> out;
  if (s.empty() || s.front() != '{')
    return out;
  s.remove_prefix(1);
  while (true) {
    skip_blanks(s);
    if (!s.empty() && s.front() == '}') {
      s.remove_prefix(1);
      return out;
    }
    auto name = take_name(s);
    skip_blanks(s);
    if (name.empty() || s.empty() || s.front() != '=')
      return std::nullopt;
    s.remove_prefix(1);
    skip_blanks(s);
    auto value = take_quoted(s);
    if (!value)
      return std::nullopt;
    out.emplace_back(std::move(name), std::move(*value));
    skip_blanks(s);
    if (!s.empty() && s.front() == ',')
      s.remove_prefix(1);
  }
}

std::optional<double> take_value(std::string_view& s) {
  skip_blanks(s);
  std::string text(s.substr(0, s.find_first_of(" \t")));
  if (text.empty())
    return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);  // also reads NaN, +Inf, -Inf
  if (end != text.c_str() + text.size())
    return std::nullopt;
  s.remove_prefix(text.size());
  return value;
}

std::optional<sample> parse_line(std::string_view line) {
  skip_blanks(line);
  sample out;
  out.name = take_name(line);
  if (out.name.empty())
    return std::nullopt;
  auto labels = take_labels(line);
  auto value = labels ? take_value(line) : std::nullopt;
  if (!value)
    return std::nullopt;
  out.labels = std::move(*labels);
  out.value = *value;
  return out;  // a timestamp after the value is not needed here
}

}  // namespace

std::string_view sample::label(std::string_view label_name) const {
  for (const auto& [name, value] : labels)
    if (name == label_name)
      return value;
  return {};
}

std::vector<sample> parse_text(std::string_view text) {
  std::vector<sample> out;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.starts_with('#'))
      continue;
    if (auto s = parse_line(line))
      out.push_back(std::move(*s));
  }
  return out;
}

}  // namespace eventrouter::metrics
