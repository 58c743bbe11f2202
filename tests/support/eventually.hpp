#pragma once
// Awaiting a condition in a test: polled every few milliseconds until it holds or the deadline
// passes — never a fixed sleep that hopes the condition is true by then.

#include <chrono>
#include <thread>

namespace eventrouter::testing {

template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the polling interval
  }
  return true;
}

}  // namespace eventrouter::testing
