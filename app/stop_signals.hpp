#pragma once
// SIGINT and SIGTERM as a request to stop, for the commands that run until interrupted (tail,
// top): they are blocked and awaited with a deadline (sigtimedwait), so a loop waits for its
// next step and for a signal at once, and ends its work cleanly (exit 0) instead of dying in the
// middle of a line.
//
// Make it before any thread starts: threads inherit the mask, so a signal can never go to one
// of them (librdkafka's) and kill the process with the default action.

#include <chrono>

#include <signal.h>

namespace eventrouter::cli {

class stop_signals {
 public:
  stop_signals();   // blocks SIGINT and SIGTERM in this thread and the threads it starts
  ~stop_signals();  // restores the signal mask
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  // Waits up to `timeout` for SIGINT or SIGTERM; true once one came (and ever after).
  bool wait_for(std::chrono::milliseconds timeout);
  bool requested() { return wait_for(std::chrono::milliseconds(0)); }

 private:
  sigset_t set_;
  sigset_t previous_;
  bool stopped_ = false;
};

}  // namespace eventrouter::cli
