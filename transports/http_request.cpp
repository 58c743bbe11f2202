#include "transports/http_request.hpp"

#include "transports/basic_auth.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

namespace eventrouter::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = boost::asio::ip::tcp;

reply fetch(const config::url& where, std::string_view method, const std::string& target,
            const header_list& headers, const std::string& body, std::chrono::milliseconds timeout) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, where.authority());
  if (where.has_credentials())
    req.set(bhttp::field::authorization, basic_authorization(where));
  for (const auto& [name, value] : headers)
    req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  beast::error_code failed;
  // Each step under one deadline: a server that hangs costs the timeout, not forever.
  stream.expires_after(timeout);
  tcp::resolver resolver(io);
  auto port = std::to_string(where.port);
  resolver.async_resolve(where.host, port, [&](beast::error_code ec, tcp::resolver::results_type found) {
    if (ec)
      return void(failed = ec);
    stream.async_connect(found, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec)
        return void(failed = ec);
      bhttp::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
        if (ec)
          return void(failed = ec);
        bhttp::async_read(stream, buffer, res, [&](beast::error_code ec, std::size_t) { failed = ec; });
      });
    });
  });
  io.run();
  if (failed)
    throw std::runtime_error(failed.message());
  return {res.result_int(), std::move(res.body())};
}

}  // namespace eventrouter::http
