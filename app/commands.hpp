#pragma once
// The subcommands of the eventrouter binary. Each takes the words after its name and returns an
// exit code (command_line.hpp); `eventrouter NAME --help` prints its help.

#include "command_line.hpp"

#include <span>
#include <string>
#include <string_view>

namespace eventrouter {

struct command {
  std::string_view name;     // as typed: "run", "dlq replay"
  std::string_view summary;  // one line for `eventrouter --help`
  std::string_view help;     // usage, what it does, exit codes, examples
  int (*run)(std::span<const std::string_view> args);
};

extern const command run_command;
extern const command check_config_command;
extern const command replay_command;
extern const command dlq_replay_command;
extern const command routes_command;
extern const command produce_command;
extern const command tail_command;
extern const command top_command;

// Prints what is wrong and the command's help on stderr; returns exit_usage.
int usage_error(const command& c, const std::string& what);

}  // namespace eventrouter
