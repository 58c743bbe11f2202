#pragma once
// A blocking HTTP/1.1 client for tests, on Boost.Beast. One connection per call unless a
// `connection` is kept for keep-alive.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace eventrouter::testing {

struct http_reply {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

class connection {
 public:
  explicit connection(std::uint16_t port);
  http_reply send(const std::string& method, const std::string& target, const header_list& headers = {},
                  const std::string& body = {});

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// One request on a fresh connection.
http_reply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const header_list& headers = {}, const std::string& body = {});

// The same, given up after `timeout` (connecting included) with boost::system::system_error,
// for callers that must not wait forever on a server that accepted and never answers.
http_reply http_request_within(std::chrono::milliseconds timeout, std::uint16_t port, const std::string& method,
                               const std::string& target, const header_list& headers = {},
                               const std::string& body = {});

}  // namespace eventrouter::testing
