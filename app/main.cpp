// eventrouter: the command line. Each subcommand lives in its own file (commands.hpp); this one
// finds it and prints the overview.

#include "actors/service_log.hpp"
#include "commands.hpp"

#include <array>
#include <iostream>

namespace {

using namespace eventrouter;

const std::array<const command*, 8> commands{&run_command,    &check_config_command, &replay_command, &dlq_replay_command,
                                             &routes_command, &produce_command,      &tail_command,   &top_command};

void print_overview(std::ostream& out) {
  out << "usage: eventrouter <command> [options]    (eventrouter <command> --help for one command)\n\ncommands:\n";
  for (const auto* c : commands)
    out << "  " << c->name << std::string(c->name.size() < 14 ? 14 - c->name.size() : 1, ' ') << c->summary << "\n";
  out << "  --version     print the version\n\n"
         "exit codes: 0 success, 1 the work failed, 2 bad usage or an invalid configuration\n";
}

// The command the first words name ("dlq replay" takes two), and how many words that took.
std::pair<const command*, std::size_t> find(std::span<const std::string_view> args) {
  for (const auto* c : commands) {
    auto words = c->name.find(' ') == std::string_view::npos ? 1u : 2u;
    if (args.size() < words)
      continue;
    std::string typed(args[0]);
    if (words == 2)
      typed += " " + std::string(args[1]);
    if (typed == c->name)
      return {c, words};
  }
  return {nullptr, 0};
}

}  // namespace

namespace eventrouter {

int usage_error(const command& c, const std::string& what) {
  std::cerr << "eventrouter " << c.name << ": " << what << "\n\n" << c.help;
  return cli::exit_usage;
}

}  // namespace eventrouter

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_overview(args.empty() ? std::cerr : std::cout);
    return args.empty() ? cli::exit_usage : cli::exit_ok;
  }
  if (args[0] == "--version") {
    std::cout << "eventrouter " << EVENTROUTER_VERSION << "\n";
    return cli::exit_ok;
  }
  auto [c, words] = find(args);
  if (c == nullptr) {
    std::cerr << "eventrouter: unknown command '" << args[0] << "'\n\n";
    print_overview(std::cerr);
    return cli::exit_usage;
  }
  auto rest = std::span<const std::string_view>(args).subspan(words);
  if (rest.size() == 1 && (rest[0] == "--help" || rest[0] == "-h")) {
    std::cout << c->help;
    return cli::exit_ok;
  }
  auto code = c->run(rest);
  // The log's last lines (why a command failed) may wait for a slow stderr: given a moment,
  // never an unbounded wait on a reader that stopped.
  flush_log(std::chrono::seconds(2));
  return code;
}
