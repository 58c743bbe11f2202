#pragma once
// The bytes of a webhook's POST, written whole before they reach the client's IO thread, which
// then only writes them out. What does not change from one request to the next (the request
// line, Host, Authorization, Content-Type, User-Agent and the configured headers) is written
// once, when the sink is built.
//
// The configured headers win over any other of the same name, as they did when each was set
// last on the request: a ce-* header they name is not written from the event. Content-Length
// is the writer's own.

#include "config/settings.hpp"
#include "router/event.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace eventrouter::http {

class webhook_request_writer {
 public:
  explicit webhook_request_writer(const config::sink_settings& sink);

  // One event in CloudEvents binary mode: attributes in ce-* headers (percent-encoded where
  // the binding says), the data as the JSON body.
  std::string binary(const keyed_event& item) const;

  // Events already written in structured mode (router/cloudevents: append_json) as one
  // application/cloudevents-batch+json request: a JSON array of them. `events` is not empty;
  // `text_of(e)` is an event's structured-mode text.
  template <class Events, class Text>
  std::string batch(const Events& events, Text text_of) const {
    std::size_t text_bytes = 0;
    for (const auto& e : events)
      text_bytes += text_of(e).size();
    auto length = batch_body_bytes(events.size(), text_bytes);
    std::string out;
    out.reserve(batch_head_.size() + 32 + length);
    out += batch_head_;
    end_head(out, length);
    char separator = '[';
    for (const auto& e : events) {
      out += separator;
      out += text_of(e);
      separator = ',';
    }
    out += ']';
    return out;
  }

  // The size of a batch body of `events` (at least one) whose texts take `text_bytes`: the
  // array's brackets and commas included.
  static std::size_t batch_body_bytes(std::size_t events, std::size_t text_bytes) { return text_bytes + events + 1; }

 private:
  // Content-Length and the blank line that ends the head.
  static void end_head(std::string& out, std::size_t length);
  bool configured(std::string_view name) const;

  std::string binary_head_;               // request line and the fixed headers, binary mode
  std::string batch_head_;                // the same, batch mode
  std::vector<std::string> configured_;  // names of the configured headers
};

}  // namespace eventrouter::http
