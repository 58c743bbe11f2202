#include "redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <sys/wait.h>

namespace eventrouter::testing {

using namespace std::chrono_literals;

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("cannot find a free port");
  ::close(fd);
  return ntohs(addr.sin_port);
}

redis_server::redis_server(bool persistent)
    : port_(free_port()),
      persistent_(persistent),
      dir_(std::filesystem::temp_directory_path() /
           ("eventrouter-redis-" + std::to_string(::getpid()) + "-" + std::to_string(port_))) {
  std::filesystem::create_directories(dir_);
  start();
}

redis_server::~redis_server() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void redis_server::start() {
  process_ = std::make_unique<service_process>(
    "redis-server", std::vector<std::string>{"--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                                             "--appendonly", persistent_ ? "yes" : "no", "--appendfsync", "always",
                                             "--dir", dir_.string(), "--daemonize", "no"});
  auto ready = process_->wait_for_stdout(
    [](const std::string& l) { return l.find("Ready to accept connections") != std::string::npos; }, 20s);
  if (!ready)
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) + ":\n" +
                             process_->stderr_text());
}

void redis_server::stop() {
  if (!process_)
    return;
  process_->signal(SIGTERM);
  process_->signal(SIGCONT);  // a paused server takes its SIGTERM once it runs again
  process_->wait_exit(20s);
  process_.reset();
}

void redis_server::crash() {
  process_->signal(SIGKILL);
  process_->wait_exit(20s);
  process_.reset();
}

void redis_server::pause() { process_->signal(SIGSTOP); }

void redis_server::resume() { process_->signal(SIGCONT); }

std::string redis_server::cli(const std::vector<std::string>& args) const {
  std::string command = "redis-cli -p " + std::to_string(port_);
  for (const auto& a : args) {
    std::string quoted = "'";
    for (char c : a)
      quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += " " + quoted + "'";
  }
  auto out = command_output(command);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}

}  // namespace eventrouter::testing
