#pragma once
// A sink that POSTs each event to a webhook (transports/webhook_client). 2xx is delivered;
// 408, 429, 5xx, timeouts and connection errors are retryable failures; any other status is
// a failure retrying cannot mend (400: the event itself is refused), so it goes to the
// dead-letter topic at once.

#include "actors/sink.hpp"
#include "transports/webhook_client.hpp"

namespace eventrouter {

class http_sink final : public sink {
 public:
  explicit http_sink(const config::sink_settings& settings) : client_(settings), url_(settings.url.display()) {}
  void deliver(caf::event_based_actor* consumer, const delivery& d, delivery_done done) override;

 private:
  http::webhook_client client_;
  std::string url_;  // for failure reasons: its password masked
};

}  // namespace eventrouter
