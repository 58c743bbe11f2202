#include "transports/webhook_client.hpp"

#include "transports/basic_auth.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <deque>
#include <optional>
#include <thread>

namespace eventrouter::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

namespace {

// Header values carry printable ASCII; the rest, '"' and '%' are percent-encoded
// (CloudEvents HTTP binding, 3.1.3.2).
std::string header_value(std::string_view in) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '%') {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

using request = bhttp::request<bhttp::string_body>;

std::shared_ptr<request> make_request(const config::sink_settings& sink, const keyed_event& item) {
  const auto& ev = *item.ev;
  const auto& where = sink.url;
  auto req = std::make_shared<request>(bhttp::verb::post, where.path, 11);
  req->set(bhttp::field::host, where.authority());
  // The loader refuses an authorization header beside credentials in the URL.
  if (where.has_credentials())
    req->set(bhttp::field::authorization, basic_authorization(where));
  req->set(bhttp::field::content_type, "application/json");
  req->set(bhttp::field::user_agent, "eventrouter");
  for (auto [name, value] : {std::pair{"ce-specversion", &ev.specversion}, {"ce-type", &ev.type}, {"ce-id", &ev.id},
                             {"ce-source", &ev.source}, {"ce-time", &ev.time}, {"ce-minorversion", &ev.minorversion},
                             {"ce-sourcehost", &ev.sourcehost}, {"ce-sourcelib", &ev.sourcelib}})
    if (!value->empty())
      req->set(name, header_value(*value));
  for (const auto& [name, value] : ev.extensions)
    req->set("ce-" + name, header_value(value));
  if (!item.key.empty())
    req->set("ce-partitionkey", header_value(item.key));
  for (const auto& [name, value] : sink.headers)
    req->set(name, value);
  req->body() = boost::json::serialize(ev.data);
  req->keep_alive(true);
  req->prepare_payload();
  return req;
}

}  // namespace

struct webhook_client::impl : std::enable_shared_from_this<impl> {
  struct pending {
    std::shared_ptr<request> req;
    std::function<void(webhook_result)> done;
  };

  // One kept-alive connection, carrying one request at a time.
  struct lane {
    explicit lane(net::io_context& io) : stream(io) {}
    beast::tcp_stream stream;
    bool connected = false;
    beast::flat_buffer buffer;
    std::optional<bhttp::response<bhttp::string_body>> response;
    std::optional<pending> current;
  };

  config::sink_settings sink;
  net::io_context io;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(io);
  tcp::resolver resolver{io};
  std::vector<std::unique_ptr<lane>> lanes;  // as many as sink.concurrency
  std::deque<pending> queue;                 // waiting for a free lane
  std::thread thread;

  void enqueue(pending p) {
    queue.push_back(std::move(p));
    dispatch();
  }

  void dispatch() {
    for (auto& l : lanes) {
      if (queue.empty())
        return;
      if (l->current)
        continue;
      l->current = std::move(queue.front());
      queue.pop_front();
      start(*l, false);
    }
  }

  void finish(lane& l, webhook_result result) {
    auto done = std::move(l.current->done);
    l.current.reset();
    done(std::move(result));
    dispatch();
  }

  void fail(lane& l, const std::string& what, const beast::error_code& ec, bool reused) {
    beast::error_code ignored;
    l.stream.socket().close(ignored);
    l.connected = false;
    // A kept-alive connection the server closed meanwhile: one more try on a fresh one.
    if (reused && ec != beast::error::timeout)
      return start(l, true);
    finish(l, {0, what + ": " + ec.message()});
  }

  void start(lane& l, bool retrying) {
    if (l.connected)
      return send(l, !retrying);
    l.stream.expires_after(sink.timeout);
    auto port = std::to_string(sink.url.port);
    resolver.async_resolve(sink.url.host, port, [self = shared_from_this(), &l, port](
                                                  beast::error_code ec, tcp::resolver::results_type results) {
      const auto& host = self->sink.url.host;
      if (ec)
        return self->finish(l, {0, "cannot resolve " + host + ": " + ec.message()});
      auto where = host + ":" + port;
      l.stream.async_connect(results, [self, &l, where](beast::error_code ec, const tcp::endpoint&) {
        if (ec)
          return self->finish(l, {0, "cannot connect to " + where + ": " + ec.message()});
        l.connected = true;
        beast::error_code ignored;
        l.stream.socket().set_option(tcp::no_delay(true), ignored);  // one small request at a time
        self->send(l, false);
      });
    });
  }

  void send(lane& l, bool reused) {
    l.stream.expires_after(sink.timeout);
    auto req = l.current->req;
    bhttp::async_write(l.stream, *req, [self = shared_from_this(), &l, req, reused](beast::error_code ec, std::size_t) {
      if (ec)
        return self->fail(l, "sending", ec, reused);
      l.response.emplace();
      bhttp::async_read(l.stream, l.buffer, *l.response, [self, &l, reused](beast::error_code ec, std::size_t) {
        if (ec)
          return self->fail(l, ec == beast::error::timeout ? "no answer within the timeout" : "reading the answer", ec,
                            reused);
        auto status = l.response->result_int();
        if (!l.response->keep_alive()) {
          beast::error_code ignored;
          l.stream.socket().close(ignored);
          l.connected = false;
        }
        self->finish(l, {status, ""});
      });
    });
  }
};

webhook_client::webhook_client(const config::sink_settings& sink) : impl_(std::make_shared<impl>()) {
  impl_->sink = sink;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, sink.concurrency); ++i)
    impl_->lanes.push_back(std::make_unique<impl::lane>(impl_->io));
  impl_->thread = std::thread([i = impl_.get()] { i->io.run(); });
}

webhook_client::~webhook_client() {
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
}

void webhook_client::post(const keyed_event& item, std::function<void(webhook_result)> done) {
  auto req = make_request(impl_->sink, item);
  net::post(impl_->io, [i = impl_, p = impl::pending{std::move(req), std::move(done)}]() mutable {
    i->enqueue(std::move(p));
  });
}

}  // namespace eventrouter::http
