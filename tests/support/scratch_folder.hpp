#pragma once
// What the servers the tests start (Kafka brokers, Prometheus) need to leave nothing behind
// when a test process dies (a crash, a SIGKILL at a time-out): a private folder named
// <prefix><pid>-<port> in the temporary folder, which the next test recognises as abandoned
// and removes, and a process the kernel kills with the thread that started it.

#include "service_process.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace eventrouter::testing {

// A fresh, empty folder for this test process's server on `port`; removes the abandoned ones
// of the same prefix first.
std::filesystem::path scratch_folder(std::string_view prefix, std::uint16_t port);

// Removes a scratch folder, ignoring errors: called from destructors and failure paths.
void remove_scratch_folder(const std::filesystem::path& dir);

// Starts `program` under setpriv --pdeathsig KILL (util-linux) where there is one.
std::unique_ptr<service_process> start_tied_server(const std::string& program, std::vector<std::string> args);

}  // namespace eventrouter::testing
