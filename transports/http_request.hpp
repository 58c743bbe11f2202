#pragma once
// One blocking HTTP/1.1 request on a fresh connection, on Boost.Beast, every step (resolving,
// connecting, writing, reading) under one deadline: for clients that ask rarely and may wait
// on their own thread — the schema registry client, `eventrouter top`. (Webhooks, sent often
// and concurrently, have their own kept-alive client: webhook_client.)

#include "config/url.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventrouter::http {

struct reply {
  unsigned status = 0;
  std::string body;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

// `target` is the path and query sent (`where.path` is not added: callers that have a base path
// put it in front). The Host header is `where.authority()`; credentials in `where` are sent as
// Basic authorization. A body is sent with the content-type header the caller gives. Throws
// std::runtime_error with the reason when no answer came ("Connection refused", "The socket was
// closed due to a timeout"); any status is an answer.
reply fetch(const config::url& where, std::string_view method, const std::string& target,
            const header_list& headers = {}, const std::string& body = {},
            std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace eventrouter::http
