#pragma once

#include "actors/line_writer.hpp"
#include "actors/sink.hpp"

namespace eventrouter {

// Prints each event as one JSON line: {"consumer":…,"topic":…,"key":…,"event":{…}}. The line is
// written by `out`'s thread, never the consumer's (a stalled stdout must not stall a scheduler
// thread), and the delivery succeeds once it is written. When `out` holds its limit of lines
// waiting, the delivery fails at once as retryable: the consumer backs off and tries again.
class log_sink final : public sink {
 public:
  explicit log_sink(line_writer& out = line_writer::of_stdout()) : out_(out) {}
  void deliver(caf::event_based_actor*, const delivery& d, delivery_done done) override;

 private:
  line_writer::channel out_;  // closed when the sink goes: no answer reaches a consumer that ended
};

}  // namespace eventrouter
