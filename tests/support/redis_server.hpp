#pragma once
// A real redis-server (Debian's) for integration tests: started on a free loopback port with
// a private data folder, persistent or not; stopped, crashed, restarted on the same port, or
// paused.

#include "service_process.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace eventrouter::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_port();

class redis_server {
 public:
  // Starts, and waits until it accepts connections; throws on failure. A persistent server
  // writes every command to its append-only file, so a stop and start keeps its streams.
  explicit redis_server(bool persistent = false);
  ~redis_server();

  std::uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

  void stop();
  void start();  // again, on the same port
  void crash();  // SIGKILL: no shutdown save, only what its append-only file already holds
  // SIGSTOP and SIGCONT: the server keeps its connections but answers nothing meanwhile, as
  // behind a network cut.
  void pause();
  void resume();

  // One command through redis-cli; its output, trimmed. For test set-up and checks.
  std::string cli(const std::vector<std::string>& args) const;

 private:
  std::uint16_t port_;
  bool persistent_;
  std::filesystem::path dir_;
  std::unique_ptr<service_process> process_;
};

}  // namespace eventrouter::testing
