#pragma once
// Groups the events an http sink sends in CloudEvents batch mode into batches no larger than
// sink.batch's max_events and max_bytes (the JSON array's bytes: brackets and commas
// included). An event larger than max_bytes alone goes in a batch of its own: it can be split
// no further, and the receiver may still take it. Pure bookkeeping: when to send and where is
// the http sink's.

#include "actors/sink.hpp"
#include "config/settings.hpp"
#include "transports/webhook_request.hpp"

#include <string>
#include <vector>

namespace eventrouter {

// An event on its way to a webhook: what the consumer's thread wrote of it (the whole request
// in binary mode, its structured-mode text in batch mode) and its completion.
struct webhook_delivery {
  std::string text;
  delivery_done done;
};

class batch_builder {
 public:
  explicit batch_builder(const config::batch_settings& limits) : limits_(limits) {}

  // Adds an event; `send` gets each batch this closes, in order: the open one when the event
  // does not fit in it, then the one the event fills.
  template <class Send>
  void add(webhook_delivery d, Send&& send) {
    if (!open_.empty() && !fits(d.text.size()))
      send(take());
    text_bytes_ += d.text.size();
    open_.push_back(std::move(d));
    if (open_.size() >= limits_.max_events ||
        http::webhook_request_writer::batch_body_bytes(open_.size(), text_bytes_) >= limits_.max_bytes)
      send(take());
  }

  bool empty() const { return open_.empty(); }
  // The open batch, leaving none open.
  std::vector<webhook_delivery> take();

 private:
  bool fits(std::size_t text_bytes) const {
    return open_.size() < limits_.max_events &&
           http::webhook_request_writer::batch_body_bytes(open_.size() + 1, text_bytes_ + text_bytes) <=
             limits_.max_bytes;
  }

  config::batch_settings limits_;
  std::vector<webhook_delivery> open_;
  std::size_t text_bytes_ = 0;  // of the open batch's events
};

}  // namespace eventrouter
