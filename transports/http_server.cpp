#include "transports/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <atomic>
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

// Bytes of a refused body read and thrown away before closing, so the client sees the answer.
constexpr std::size_t max_drain_bytes = 64 << 20;
constexpr std::chrono::seconds drain_timeout{5};
// A connection past max_connections: how long its 503 may take to write, and how long it is
// drained. Short, as a flood of them must not hold sockets.
constexpr std::chrono::seconds refusal_timeout{1};
// After accept fails (out of file descriptors: EMFILE), the wait before trying again, rather
// than a busy loop on an error that persists until a connection closes.
constexpr std::chrono::milliseconds accept_retry{100};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

response error_answer(unsigned status, const std::string& message) {
  return {status, "application/json", "{\"error\":" + boost::json::serialize(boost::json::string(message)) + "}\n",
          {}};
}

// What a client that sent no valid HTTP/1.1 is told: Beast's reason, with what it means.
std::string malformed_message(beast::error_code ec) {
  std::string out = "malformed HTTP request: " + ec.message();
  if (ec == bhttp::error::bad_field)
    out += " (a header name holds a character HTTP does not allow)";
  else if (ec == bhttp::error::bad_value)
    out += " (a header value holds a character HTTP does not allow, such as NUL, CR or LF)";
  else if (ec == bhttp::error::bad_line_ending)
    out += " (lines must end with CR LF)";
  else if (ec == bhttp::error::partial_message)
    out += " (the connection was closed before the request was complete: is the body shorter than Content-Length?)";
  return out;
}

// The response as it goes on the wire, into `out` (cleared first). Beast's serializer wrote the
// same from a fields container through a buffer sequence per write; one string, its capacity
// kept by the connection, costs a fraction of that on the per-event path.
void write_wire_form(std::string& out, const response& res, bool keep_alive) {
  out.clear();
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += bhttp::obsolete_reason(static_cast<bhttp::status>(res.status));
  out += "\r\nServer: eventrouter\r\nContent-Type: ";
  out += res.content_type;
  for (const auto& [name, value] : res.headers) {
    out += "\r\n";
    out += name;
    out += ": ";
    out += value;
  }
  // RFC 9110: no content, and so no length, in a 1xx, 204 or 304.
  if (res.status >= 200 && res.status != 204 && res.status != 304) {
    out += "\r\nContent-Length: ";
    out += std::to_string(res.body.size());
  }
  if (!keep_alive)
    out += "\r\nConnection: close";
  out += "\r\n\r\n";
  out += res.body;
}

// Counts a served connection while its session lives.
class connection_slot {
 public:
  connection_slot(std::shared_ptr<std::atomic<std::size_t>> open, metrics::gauge gauge)
      : open_(std::move(open)), gauge_(gauge) {
    gauge_.add(1);
  }
  ~connection_slot() {
    open_->fetch_sub(1, std::memory_order_relaxed);
    gauge_.sub(1);
  }
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

 private:
  std::shared_ptr<std::atomic<std::size_t>> open_;  // shared: a session may outlive the server
  metrics::gauge gauge_;
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, std::weak_ptr<net::io_context> io, const server_options& options,
          const handler& on_request)
      : stream_(std::move(socket)),
        deadline_(stream_.get_executor()),
        io_(std::move(io)),
        options_(options),
        on_request_(on_request) {}

  void start(std::shared_ptr<std::atomic<std::size_t>> open) {
    slot_.emplace(std::move(open), options_.meters.open_connections);
    await_request(options_.request_timeout);
  }

  // Past max_connections: 503 at once, the request unread.
  void refuse() {
    options_.meters.too_many_connections.add();
    auto res = error_answer(503, "too many connections: the server serves at most " +
                                   std::to_string(options_.max_connections) +
                                   " at once (http.max_connections); retry later");
    res.headers.emplace_back("Retry-After", "1");
    write(res, false, refusal_timeout);
  }

  // Called by the responder, from any thread.
  void respond(response res) {
    net::post(stream_.get_executor(), [self = shared_from_this(), res = std::move(res)] {
      self->write(res, self->keep_alive_, self->options_.request_timeout);
    });
  }

 private:
  // Waits up to `wait` for a request's first byte; its clock then starts.
  void await_request(std::chrono::milliseconds wait) {
    if (buffer_.size() > 0)
      return read_request();
    stream_.expires_after(wait);
    stream_.async_read_some(buffer_.prepare(scratch_.size()),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->buffer_.commit(n);
                              if (ec)
                                return self->close();
                              self->read_request();
                            });
  }

  // The whole request, headers and body, within request_timeout. The deadline is a timer of
  // its own, not the stream's, which would close the socket: a slow client gets its 408.
  void read_request() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    stream_.expires_never();
    reading_ = true;
    ++requests_;
    deadline_.expires_after(options_.request_timeout);
    // A deadline that expired as its request completed may run after the next one began.
    deadline_.async_wait([self = shared_from_this(), request = requests_](beast::error_code ec) {
      if (ec || !self->reading_ || request != self->requests_)
        return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
    header_bytes_ = 0;
    read_header();
  }

  // Beast's header_limit bounds what one parse sees, not the whole head when it arrives in
  // parts (fields are consumed as they come): the head is read part by part and counted here.
  void read_header() {
    bhttp::async_read_some(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->header_bytes_ += n;
      if (!ec && self->header_bytes_ > self->options_.max_header_bytes)
        ec = bhttp::error::header_limit;
      if (ec || self->parser_->is_done())
        return self->read_done(ec);
      if (!self->parser_->is_header_done())
        return self->read_header();
      bhttp::async_read(self->stream_, self->buffer_, *self->parser_,
                        [self](beast::error_code ec, std::size_t) { self->read_done(ec); });
    });
  }

  void read_done(beast::error_code ec) {
    reading_ = false;
    deadline_.cancel();
    on_read(ec);
  }

  void on_read_error(beast::error_code ec) {
    const auto& meters = options_.meters;
    if (timed_out_) {
      meters.timed_out.add();
      return write(error_answer(408, "the request was not complete within http.request_timeout_ms (" +
                                       std::to_string(options_.request_timeout.count()) + " ms)"),
                   false, options_.request_timeout);
    }
    if (ec == bhttp::error::body_limit) {
      meters.body_too_large.add();
      return write(error_answer(413, "the body is larger than max_body_bytes (" +
                                       std::to_string(options_.max_body_bytes) + " bytes)"),
                   false, options_.request_timeout);
    }
    if (ec == bhttp::error::header_limit) {
      meters.header_too_large.add();
      return write(error_answer(431, "the request line and headers are larger than http.max_header_bytes (" +
                                       std::to_string(options_.max_header_bytes) + " bytes)"),
                   false, options_.request_timeout);
    }
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::error::operation_aborted)
      return close();
    meters.malformed.add();
    write(error_answer(400, malformed_message(ec)), false, options_.request_timeout);
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
    on_request_(std::move(req), [hold = responder_hold{io_.lock(), shared_from_this()}](response res) {
      hold.owner->respond(std::move(res));
    });
  }

  // One response at a time: the next request is read only once this one is written.
  void write(const response& res, bool keep_alive, std::chrono::milliseconds timeout) {
    write_wire_form(out_, res, keep_alive);
    stream_.expires_after(timeout);
    net::async_write(stream_, net::buffer(out_),
                     [self = shared_from_this(), keep_alive, timeout](beast::error_code ec, std::size_t) {
                       if (ec)
                         return self->close();
                       if (keep_alive)
                         return self->await_request(self->options_.idle_timeout);
                       self->drain_and_close(std::min<std::chrono::milliseconds>(timeout, drain_timeout));
                     });
  }

  // A lingering close: stop sending, read what the client still sends, then close. Closing
  // with unread input would reset the connection and could destroy the response in flight.
  void drain_and_close(std::chrono::milliseconds timeout) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(timeout);
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
  net::steady_timer deadline_;  // of the request being read
  std::weak_ptr<net::io_context> io_;  // weak: the io_context's queued handlers own sessions
  const server_options& options_;
  const handler& on_request_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = true;
  bool reading_ = false;
  bool timed_out_ = false;
  std::size_t header_bytes_ = 0;  // of the request being read, so far
  std::uint64_t requests_ = 0;    // read on this connection, the one being read included
  std::array<char, 16384> scratch_{};
  std::string out_;  // the response being written
  std::size_t drained_ = 0;
  std::optional<connection_slot> slot_;  // empty for a refused connection
};

}  // namespace

struct server::impl {
  server_options options;
  handler on_request;
  // Shared with responders, which may outlive the server (see session::responder_hold).
  std::shared_ptr<net::io_context> io = std::make_shared<net::io_context>();
  tcp::acceptor acceptor{*io};
  net::steady_timer accept_pause{*io};
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  // Connections being served (counted from accept to the session's end).
  std::shared_ptr<std::atomic<std::size_t>> open = std::make_shared<std::atomic<std::size_t>>(0);

  void accept() {
    acceptor.async_accept(net::make_strand(*io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open())
        return;
      if (ec) {
        accept_pause.expires_after(accept_retry);
        return accept_pause.async_wait([this](beast::error_code waited) {
          if (!waited)
            accept();
        });
      }
      socket.set_option(tcp::no_delay(true), ec);
      serve(std::move(socket));
      accept();
    });
  }

  void serve(tcp::socket socket) {
    if (open->fetch_add(1, std::memory_order_relaxed) >= options.max_connections) {
      open->fetch_sub(1, std::memory_order_relaxed);
      return std::make_shared<session>(std::move(socket), io, options, on_request)->refuse();
    }
    std::make_shared<session>(std::move(socket), io, options, on_request)->start(open);
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
