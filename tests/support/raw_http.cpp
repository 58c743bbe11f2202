#include "raw_http.hpp"

#include <algorithm>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace eventrouter::testing {

namespace {

using clock = std::chrono::steady_clock;

class socket_fd {
 public:
  explicit socket_fd(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  ~socket_fd() { ::close(fd_); }
  socket_fd(const socket_fd&) = delete;
  socket_fd& operator=(const socket_fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// True once the server sent something or closed: the sender should stop and read.
bool answered(int fd, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
}

// Writes what the pace allows; false when the server answered or closed first.
bool send_paced(int fd, const std::string& bytes, const raw_pace& pace, clock::time_point deadline) {
  auto total = std::min(bytes.size(), pace.stall_after);
  std::size_t sent = 0;
  auto send_some = [&](std::size_t n) {
    auto written = ::send(fd, bytes.data() + sent, std::min(n, total - sent), MSG_NOSIGNAL);
    if (written <= 0)
      return false;
    sent += static_cast<std::size_t>(written);
    return true;
  };
  while (sent < std::min(total, pace.sent_at_once))
    if (!send_some(std::min(total, pace.sent_at_once) - sent))
      return false;
  while (sent < total) {
    if (answered(fd, pace.trickle_every) || clock::now() > deadline)
      return false;
    if (!send_some(pace.trickle_bytes))
      return false;
  }
  return true;
}

unsigned status_of(const std::string& head) {
  // "HTTP/1.1 400 Bad Request"
  if (head.size() < 12 || head.rfind("HTTP/1.", 0) != 0)
    return 0;
  return static_cast<unsigned>(std::stoul(head.substr(9, 3)));
}

}  // namespace

raw_answer raw_exchange(std::uint16_t port, const std::string& bytes, const raw_pace& pace,
                        std::chrono::milliseconds deadline_after) {
  auto start = clock::now();
  auto deadline = start + deadline_after;
  socket_fd s{port};
  bool all_sent = send_paced(s.get(), bytes, pace, deadline);
  if (all_sent && pace.end == raw_pace::ending::close)
    return {};
  if (all_sent && pace.end == raw_pace::ending::half_close)
    ::shutdown(s.get(), SHUT_WR);
  // Every answer of the server closes the connection or says its length; read to the close,
  // or to the end of a keep-alive answer.
  std::string received;
  char chunk[16384];
  while (clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (!answered(s.get(), std::max(left, std::chrono::milliseconds(1))))
      break;
    auto n = ::recv(s.get(), chunk, sizeof chunk, 0);
    if (n <= 0)
      break;
    received.append(chunk, static_cast<std::size_t>(n));
    auto head_end = received.find("\r\n\r\n");
    if (head_end == std::string::npos)
      continue;
    auto length_at = received.find("Content-Length: ");
    if (length_at != std::string::npos && length_at < head_end &&
        received.size() >= head_end + 4 + std::stoul(received.substr(length_at + 16)))
      break;
  }
  raw_answer answer;
  answer.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
  auto head_end = received.find("\r\n\r\n");
  if (head_end == std::string::npos)
    return answer;
  answer.head = received.substr(0, head_end);
  answer.status = status_of(answer.head);
  answer.body = received.substr(head_end + 4);
  return answer;
}

}  // namespace eventrouter::testing
