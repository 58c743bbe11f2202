#pragma once
// An HTTP client that POSTs events to one webhook URL in CloudEvents binary mode: attributes
// in ce-* headers (percent-encoded where the binding says), the data as the JSON body. It runs
// on an IO thread of its own with sink.concurrency kept-alive connections, each carrying one
// request at a time; requests start in the order posted.
//
// The Host header carries the URL's port when it is not 80; credentials in the URL are sent as
// Basic authorization.
//
// A reused connection the server closed meanwhile is retried once on a fresh one, so an idle
// timeout on the server side is not reported as a failure.

#include "config/settings.hpp"
#include "router/event.hpp"

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
  // `sink.url` as the loader parsed it: any URL it accepted is one this client can use.
  explicit webhook_client(const config::sink_settings& sink);
  ~webhook_client();  // stops the IO thread; requests still in flight get no answer
  webhook_client(const webhook_client&) = delete;
  webhook_client& operator=(const webhook_client&) = delete;

  // `done` runs once, on the client's IO thread.
  void post(const keyed_event& item, std::function<void(webhook_result)> done);

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace eventrouter::http
