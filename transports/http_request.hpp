#pragma once
// One blocking HTTP/1.1 request on a fresh connection, on Boost.Beast, every step (resolving,
// connecting, writing, reading) under one deadline: for clients that ask rarely and may wait
// on their own thread — the schema registry client, `eventrouter top`. (Webhooks, sent often
// and concurrently, have their own kept-alive client: webhook_client.)

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventrouter::http {

// http://host[:port][/path]; an IPv6 host in brackets: http://[::1]:8080.
struct url {
  std::string host;  // without brackets
  std::string port = "80";
  std::string path;  // from the first '/', as written; empty when the URL has none
};

// nullopt for anything else: another scheme, no host, credentials (user@host), an empty port.
std::optional<url> parse_url(std::string_view text);

struct reply {
  unsigned status = 0;
  std::string body;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

// `target` is the path and query sent (`where.path` is not added: callers that have a base path
// put it in front). A body is sent with the content-type header the caller gives. Throws
// std::runtime_error with the reason when no answer came ("Connection refused", "The socket was
// closed due to a timeout"); any status is an answer.
reply fetch(const url& where, std::string_view method, const std::string& target, const header_list& headers = {},
            const std::string& body = {}, std::chrono::milliseconds timeout = std::chrono::seconds(5));

// GET `address` (an http:// URL, path and query included). Throws std::invalid_argument for an
// address parse_url refuses, and std::runtime_error as fetch does.
reply get(const std::string& address, std::chrono::milliseconds timeout);

}  // namespace eventrouter::http
