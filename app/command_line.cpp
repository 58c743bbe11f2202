#include "command_line.hpp"

#include "config/loader.hpp"

#include <algorithm>
#include <charconv>
#include <iostream>

namespace eventrouter::cli {

std::variant<options, std::string> options::parse(std::span<const std::string_view> args,
                                                  std::initializer_list<option_spec> known) {
  options out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto arg = args[i];
    if (!arg.starts_with("--")) {
      out.positional_.emplace_back(arg);
      continue;
    }
    auto spec = std::find_if(known.begin(), known.end(), [&](const option_spec& s) { return s.name == arg; });
    if (spec == known.end())
      return "unknown option " + std::string(arg);
    if (out.has(arg))
      return std::string(arg) + " is given twice";
    if (!spec->takes_value) {
      out.values_.emplace(arg, "");
      continue;
    }
    if (i + 1 == args.size())
      return std::string(arg) + " needs a value";
    out.values_.emplace(arg, args[++i]);
  }
  return out;
}

std::optional<std::string> options::value(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end())
    return std::nullopt;
  return it->second;
}

std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t min) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min)
    return std::nullopt;
  return value;
}

std::optional<config::settings> load(const std::string& path) {
  auto result = config::load_settings_file(path);
  for (const auto& p : result.problems)
    std::cerr << path << ": " << config::to_string(p) << "\n";
  return std::move(result.value);
}

}  // namespace eventrouter::cli
