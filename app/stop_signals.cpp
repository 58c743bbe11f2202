#include "stop_signals.hpp"

#include <cerrno>

namespace eventrouter::cli {

stop_signals::stop_signals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, &previous_);
}

stop_signals::~stop_signals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

bool stop_signals::wait_for(std::chrono::milliseconds timeout) {
  if (stopped_)
    return true;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0)
      left = std::chrono::nanoseconds(0);
    timespec wait{static_cast<time_t>(left.count() / 1000000000), static_cast<long>(left.count() % 1000000000)};
    if (sigtimedwait(&set_, nullptr, &wait) >= 0)
      return stopped_ = true;
    if (errno != EINTR)  // EAGAIN: the time is up
      return false;
  }
}

}  // namespace eventrouter::cli
