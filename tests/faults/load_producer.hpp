#pragma once
// The producer of a fault case: posts `events` xblock.published events with known ids
// ("<prefix>0", "<prefix>1", ...) in batches over HTTP, on a thread of its own, and retries a
// batch that did not get 202 — a 503, any other answer, a refused or broken connection, no
// answer within the deadline — after a short backoff, as a real producer would. It remembers
// which ids were accepted and when, and why batches were refused.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace eventrouter::testing {

class load_producer {
 public:
  using clock = std::chrono::steady_clock;

  struct options {
    std::string prefix;
    int events = 2000;
    int batch = 20;
    std::chrono::milliseconds pace{0};  // between one batch's 202 and the next batch
    std::chrono::milliseconds deadline{60000};  // for the whole load, retries included
  };

  // Starts posting to 127.0.0.1:`port` at once.
  load_producer(std::uint16_t port, options opts);
  ~load_producer();  // stops retrying and joins
  load_producer(const load_producer&) = delete;
  load_producer& operator=(const load_producer&) = delete;

  // Waits until `n` events were accepted; false at the deadline.
  bool await_accepted(int n, std::chrono::milliseconds timeout) const;
  bool done() const { return done_; }  // every batch accepted, or the deadline passed
  // Waits until every batch was accepted, or the load's deadline passed; true when all were.
  bool await_done();

  int events() const { return opts_.events; }
  int batch() const { return opts_.batch; }
  int posted() const { return posted_; }    // events sent, each retry counted again
  int refused() const { return refused_; }  // events of requests that did not get 202
  // The accepted ids with the time their 202 arrived, in that order.
  std::vector<std::pair<std::string, clock::time_point>> accepted() const;
  // Why requests were refused ("503 (retry-after 1): {...}", "no answer: Connection refused"),
  // with how often.
  std::map<std::string, int> refusals() const;

 private:
  void run();
  bool post_batch(int first);

  std::uint16_t port_;
  options opts_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> posted_{0};
  std::atomic<int> refused_{0};
  std::atomic<bool> done_{false};
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, clock::time_point>> accepted_;
  std::map<std::string, int> refusals_;
  std::thread thread_;
};

}  // namespace eventrouter::testing
