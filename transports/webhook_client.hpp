#pragma once
// An HTTP client that sends requests written whole (transports/webhook_request) to one webhook
// over sink.concurrency kept-alive connections, each carrying one request at a time; requests
// start in the order sent. It runs on an IO thread of its own: a sink hands a round of requests
// over with one post(), and every answer comes back on that thread, to the one `answered`
// function, with the tag its request was sent with.
//
// A reused connection the server closed meanwhile is retried once on a fresh one, so an idle
// timeout on the server side is not reported as a failure.

#include "config/settings.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace eventrouter::http {

struct webhook_result {
  unsigned status = 0;  // the HTTP status; 0 when no answer came
  std::string error;    // why no answer came (connect, timeout, reset...)
};

class webhook_client {
 public:
  using answer = std::function<void(std::uint64_t tag, webhook_result)>;

  // `sink.url` as the loader parsed it: any URL it accepted is one this client can use.
  webhook_client(const config::sink_settings& sink, answer answered);
  ~webhook_client();  // stops the IO thread; requests still in flight get no answer
  webhook_client(const webhook_client&) = delete;
  webhook_client& operator=(const webhook_client&) = delete;

  // Runs `work` on the IO thread.
  void post(std::function<void()> work);

  // On the IO thread only. Sends `request` on a free connection, or once one is free.
  void send(std::uint64_t tag, std::string request);
  // On the IO thread only. Runs `fire` there after `delay`; arming it again replaces what
  // was armed.
  void arm_timer(std::chrono::milliseconds delay, std::function<void()> fire);
  void cancel_timer();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace eventrouter::http
