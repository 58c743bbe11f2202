#include "http_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>

namespace eventrouter::testing {

namespace http = boost::beast::http;

namespace {

http::request<http::string_body> make_request(const std::string& method, const std::string& target,
                                              const header_list& headers, const std::string& body) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers)
    req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  return req;
}

http_reply to_reply(http::response<http::string_body>&& res) {
  http_reply reply{res.result_int(), {}, std::move(res.body())};
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

constexpr std::uint64_t body_limit = 64 << 20;

}  // namespace

connection::connection(std::uint16_t port) : socket_(io_) {
  socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
}

http_reply connection::send(const std::string& method, const std::string& target,
                            const header_list& headers, const std::string& body) {
  http::write(socket_, make_request(method, target, headers, body));
  http::response_parser<http::string_body> parser;
  parser.body_limit(body_limit);
  http::read(socket_, buffer_, parser);
  return to_reply(parser.release());
}

http_reply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const header_list& headers, const std::string& body) {
  return connection{port}.send(method, target, headers, body);
}

http_reply http_request_within(std::chrono::milliseconds timeout, std::uint16_t port, const std::string& method,
                               const std::string& target, const header_list& headers, const std::string& body) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  auto req = make_request(method, target, headers, body);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(body_limit);
  boost::system::error_code failure;
  // Blocking Beast calls have no deadline; asynchronous ones on a tcp_stream do.
  stream.expires_after(timeout);
  stream.async_connect({boost::asio::ip::make_address("127.0.0.1"), port}, [&](boost::system::error_code ec) {
    if ((failure = ec))
      return;
    http::async_write(stream, req, [&](boost::system::error_code ec, std::size_t) {
      if ((failure = ec))
        return;
      http::async_read(stream, buffer, parser, [&](boost::system::error_code ec, std::size_t) { failure = ec; });
    });
  });
  io.run();
  if (failure)
    throw boost::system::system_error(failure);
  return to_reply(parser.release());
}

}  // namespace eventrouter::testing
