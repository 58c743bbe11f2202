#pragma once
// Pulsar's admin REST API, on the same web service port as the WebSocket API: what the transport
// asks of a topic beside producing and consuming — a subscription's backlog (a consumer's lag)
// and moving a subscription's cursor (replay). One request per connection, on the client's IO
// thread, bounded by send_timeout_ms.

#include "transports/pulsar/pulsar_client.hpp"

#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>

namespace eventrouter::pulsar {

struct admin_answer {
  unsigned status = 0;  // 0: no answer (error says why)
  std::string body;
  std::string error;
};

// Sends `method` (GET, POST, PUT, DELETE) `path` with a JSON `body` (empty: none); `done` gets
// the answer on the IO thread.
void admin_request(client& owner, std::string method, std::string path, std::string body,
                   std::function<void(admin_answer)> done);

// The same, waited for: for the commands beside the service, never on the IO thread.
admin_answer admin_call(client& owner, std::string method, std::string path, std::string body = {});

// The backlog of subscription `name` of `topic`: messages not yet acknowledged; nullopt when
// the answer has no such subscription. Parses a topic stats answer.
std::optional<std::uint64_t> subscription_backlog(const std::string& stats_body, const std::string& name);

// The admin path of `topic`'s `what` ("stats", "subscription/<name>/resetcursor/<ms>"...).
std::string admin_path(const client& owner, std::string_view topic, std::string_view what);

}  // namespace eventrouter::pulsar
