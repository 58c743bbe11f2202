#pragma once
// A sink that POSTs events to a webhook (transports/webhook_client). 2xx is delivered; 408,
// 429, 5xx, timeouts and connection errors are retryable failures; any other status is a
// failure retrying cannot mend (400: the event itself is refused), so it goes to the
// dead-letter topic at once.
//
// deliver() writes each event on the consumer's thread (the whole request in binary mode, its
// structured-mode text in batch mode) and flush() hands the round to the client's IO thread in
// one post, where a sender sends it and calls each completion.
//
// With sink.batch, events travel in CloudEvents batch mode: a 2xx delivers the whole batch, a
// retryable failure fails each of its events retryably (the consumer tries them again, batched
// anew), and a batch refused for good is sent again event by event, as batches of one, so that
// only the event at fault is refused. Batches of one rather than binary-mode POSTs: the receiver
// was configured for batches, and a batch of one gets the same parsing and checks, so its answer
// is about the event and not about the mode.

#include "actors/batch_builder.hpp"
#include "actors/sink.hpp"
#include "transports/webhook_client.hpp"
#include "transports/webhook_request.hpp"

#include <memory>
#include <vector>

namespace eventrouter {

class http_sink final : public sink {
 public:
  explicit http_sink(const config::sink_settings& settings);
  ~http_sink() override;
  void deliver(caf::event_based_actor* consumer, const delivery& d, delivery_done done) override;
  void flush(caf::event_based_actor* consumer) override;

  // What sends a round on the client's IO thread and answers each event (in http_sink.cpp).
  class sender;

 private:
  http::webhook_request_writer writer_;
  bool batched_;
  std::vector<webhook_delivery> round_;  // what the consumer started since the last flush
  bool batch_may_wait_ = false;          // the last round posted may have left a batch waiting
  std::unique_ptr<sender> sender_;
  http::webhook_client client_;  // last: its IO thread stops before the sender goes
};

}  // namespace eventrouter
