#include "http_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>

namespace eventrouter::testing {

namespace http = boost::beast::http;

connection::connection(std::uint16_t port) : socket_(io_) {
  socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
}

http_reply connection::send(const std::string& method, const std::string& target,
                            const header_list& headers, const std::string& body) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers)
    req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  http::write(socket_, req);
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  http::read(socket_, buffer_, parser);
  auto res = parser.release();
  http_reply reply{res.result_int(), {}, res.body()};
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

http_reply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const header_list& headers, const std::string& body) {
  return connection{port}.send(method, target, headers, body);
}

}  // namespace eventrouter::testing
