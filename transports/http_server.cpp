#include "transports/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <thread>

namespace eventrouter::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

std::optional<std::string_view> request::header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_case_name)
      return value;
  return std::nullopt;
}

namespace {

// Bytes of an oversized body read and thrown away before closing, so the client sees the 413.
constexpr std::size_t max_drain_bytes = 64 << 20;
constexpr std::chrono::seconds drain_timeout{5};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, std::weak_ptr<net::io_context> io, const server_options& options,
          const handler& on_request)
      : stream_(std::move(socket)), io_(std::move(io)), options_(options), on_request_(on_request) {}

  void start() { read_request(options_.idle_timeout); }

  // Called by the responder, from any thread.
  void respond(response res) {
    net::post(stream_.get_executor(), [self = shared_from_this(), res = std::move(res)]() mutable {
      self->write(std::move(res), self->keep_alive_);
    });
  }

 private:
  void read_request(std::chrono::milliseconds wait) {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(wait);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               self->on_header(ec);
                             });
  }

  void on_header(beast::error_code ec) {
    if (ec)
      return on_read_error(ec);
    // The whole request, body included, must arrive within request_timeout of its headers.
    stream_.expires_after(options_.request_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      response res{413, "application/json",
                   "{\"error\":\"the body is larger than max_body_bytes (" + std::to_string(options_.max_body_bytes) +
                     " bytes)\"}\n",
                   {}};
      return write(std::move(res), false);
    }
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted)
      return close();
    response res{400, "application/json", "{\"error\":\"malformed HTTP request: " + ec.message() + "\"}\n", {}};
    write(std::move(res), false);
  }

  void on_read(beast::error_code ec) {
    if (ec)
      return on_read_error(ec);
    auto message = parser_->release();
    keep_alive_ = message.keep_alive();
    request req;
    req.method = std::string(message.method_string());
    auto target = std::string_view(message.target());
    auto question = target.find('?');
    req.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos)
      req.query = std::string(target.substr(question + 1));
    for (const auto& field : message)
      req.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    req.body = std::move(message.body());
    stream_.expires_never();  // the handler may take as long as its work takes
    on_request_(std::move(req), [hold = responder_hold{io_.lock(), shared_from_this()}](response res) {
      hold.owner->respond(std::move(res));
    });
  }

  void write(response res, bool keep_alive) {
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(res.status), 11);
    message->set(bhttp::field::server, "eventrouter");
    message->set(bhttp::field::content_type, res.content_type);
    for (auto& [name, value] : res.headers)
      message->set(name, value);
    message->body() = std::move(res.body);
    message->keep_alive(keep_alive);
    message->prepare_payload();
    stream_.expires_after(options_.request_timeout);
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message, keep_alive](beast::error_code ec, std::size_t) {
                         if (ec)
                           return self->close();
                         if (keep_alive)
                           return self->read_request(self->options_.idle_timeout);
                         self->drain_and_close();
                       });
  }

  // A lingering close: stop sending, read what the client still sends, then close. Closing
  // with unread input would reset the connection and could destroy the response in flight.
  void drain_and_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(drain_timeout);
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > max_drain_bytes)
        return self->close();
      self->drain();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  // What a responder keeps alive: the io_context, so that a late answer (after the server
  // stopped) posts into a stopped context instead of a destroyed one; and the session, which
  // is destroyed first, while its io_context still exists.
  struct responder_hold {
    std::shared_ptr<net::io_context> io;
    std::shared_ptr<session> owner;
  };

  beast::tcp_stream stream_;
  std::weak_ptr<net::io_context> io_;  // weak: the io_context's queued handlers own sessions
  const server_options& options_;
  const handler& on_request_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = true;
  std::array<char, 16384> scratch_{};
  std::size_t drained_ = 0;
};

}  // namespace

struct server::impl {
  server_options options;
  handler on_request;
  // Shared with responders, which may outlive the server (see session::responder_hold).
  std::shared_ptr<net::io_context> io = std::make_shared<net::io_context>();
  tcp::acceptor acceptor{*io};
  std::vector<std::thread> threads;
  std::uint16_t port = 0;

  void accept() {
    acceptor.async_accept(net::make_strand(*io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open())
        return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<session>(std::move(socket), io, options, on_request)->start();
      }
      accept();
    });
  }
};

server::server(server_options options, handler on_request)
    : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
  impl_->on_request = std::move(on_request);
}

server::~server() { stop(); }

void server::start() {
  auto& i = *impl_;
  beast::error_code ec;
  auto fail = [&](std::string_view step) {
    throw std::runtime_error("cannot listen on " + i.options.host + ":" + std::to_string(i.options.port) + ": " +
                             std::string(step) + ": " + ec.message());
  };
  tcp::resolver resolver{*i.io};
  auto resolved = resolver.resolve(i.options.host, std::to_string(i.options.port), tcp::resolver::passive, ec);
  if (ec)
    fail("cannot resolve the host");
  auto endpoint = resolved.begin()->endpoint();
  if (i.acceptor.open(endpoint.protocol(), ec); ec)
    fail("socket");
  if (i.acceptor.set_option(net::socket_base::reuse_address(true), ec); ec)
    fail("setsockopt");
  if (i.acceptor.bind(endpoint, ec); ec)
    fail("bind");
  if (i.acceptor.listen(net::socket_base::max_listen_connections, ec); ec)
    fail("listen");
  i.port = i.acceptor.local_endpoint().port();
  i.accept();
  for (unsigned t = 0; t < std::max(1u, i.options.threads); ++t)
    i.threads.emplace_back([&i] { i.io->run(); });
}

std::uint16_t server::port() const { return impl_->port; }

void server::stop_accepting() {
  net::post(*impl_->io, [&i = *impl_] {
    beast::error_code ignored;
    i.acceptor.close(ignored);
  });
}

void server::stop() {
  auto& i = *impl_;
  if (i.threads.empty())
    return;
  i.io->stop();
  for (auto& t : i.threads)
    t.join();
  i.threads.clear();
}

}  // namespace eventrouter::http
