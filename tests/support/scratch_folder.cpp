#include "scratch_folder.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <string>

#include <unistd.h>

namespace eventrouter::testing {

namespace fs = std::filesystem;

namespace {

// Folders <prefix><pid>-<port> where no process <pid> runs any more.
void remove_abandoned(std::string_view prefix) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), ec)) {
    auto name = entry.path().filename().string();
    if (!name.starts_with(prefix))
      continue;
    auto rest = name.substr(prefix.size());
    auto dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 ||
        !std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(dash),
                     [](unsigned char c) { return std::isdigit(c) != 0; }))
      continue;
    auto pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH)
      fs::remove_all(entry.path(), ec);
  }
}

}  // namespace

fs::path scratch_folder(std::string_view prefix, std::uint16_t port) {
  remove_abandoned(prefix);
  auto dir = fs::temp_directory_path() / (std::string(prefix) + std::to_string(::getpid()) + "-" + std::to_string(port));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void remove_scratch_folder(const fs::path& dir) {
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

std::unique_ptr<service_process> start_tied_server(const std::string& program, std::vector<std::string> args) {
  if (!fs::exists("/usr/bin/setpriv"))
    return std::make_unique<service_process>(program, args);
  args.insert(args.begin(), {"--pdeathsig", "KILL", program});
  return std::make_unique<service_process>("/usr/bin/setpriv", args);
}

}  // namespace eventrouter::testing
