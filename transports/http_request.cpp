#include "transports/http_request.hpp"

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

std::optional<url> parse_url(std::string_view text) {
  constexpr std::string_view scheme = "http://";
  if (!text.starts_with(scheme))
    return std::nullopt;
  auto rest = text.substr(scheme.size());
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  url out;
  if (slash != std::string_view::npos)
    out.path = std::string(rest.substr(slash));
  std::string_view after_host;  // ":port" or nothing
  if (authority.starts_with('[')) {  // [IPv6]:port
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    after_host = authority.substr(close + 1);
  } else {
    auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    after_host = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (!after_host.empty()) {
    if (after_host.size() == 1 || after_host[0] != ':')
      return std::nullopt;
    out.port = std::string(after_host.substr(1));
  }
  // Credentials in a URL would end up in logs and error messages: they are configured apart.
  if (out.host.empty() || authority.find('@') != std::string_view::npos)
    return std::nullopt;
  return out;
}

reply fetch(const url& where, std::string_view method, const std::string& target, const header_list& headers,
            const std::string& body, std::chrono::milliseconds timeout) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, where.host);
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
  resolver.async_resolve(where.host, where.port, [&](beast::error_code ec, tcp::resolver::results_type found) {
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

reply get(const std::string& address, std::chrono::milliseconds timeout) {
  auto where = parse_url(address);
  if (!where)
    throw std::invalid_argument("'" + address + "' is not an http://host[:port][/path] URL");
  return fetch(*where, "GET", where->path.empty() ? "/" : where->path, {}, {}, timeout);
}

}  // namespace eventrouter::http
