#pragma once
// What every subcommand shares: exit codes, options of the form `--name VALUE` and `--flag` in
// any order, and loading a configuration file with every problem printed.

#include "config/settings.hpp"

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace eventrouter::cli {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;  // the work failed: the service, a broker, a sink
constexpr int exit_usage = 2;    // bad command line or invalid configuration

struct option_spec {
  std::string_view name;  // with the dashes: --config
  bool takes_value = true;
};

class options {
 public:
  // Unknown options, a missing value and an option given twice are errors saying so; words
  // that are not options are positional.
  static std::variant<options, std::string> parse(std::span<const std::string_view> args,
                                                  std::initializer_list<option_spec> known);

  bool has(std::string_view name) const { return values_.count(name) != 0; }
  std::optional<std::string> value(std::string_view name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> positional_;
};

// A whole number written in decimal digits alone ("3", not "+3" or "3x"), at least `min`; nullopt
// for anything else.
std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t min = 0);

// The configuration in `path`, or nullopt with every problem printed on stderr.
std::optional<config::settings> load(const std::string& path);

}  // namespace eventrouter::cli
