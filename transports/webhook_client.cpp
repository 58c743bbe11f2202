#include "transports/webhook_client.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <deque>
#include <optional>
#include <thread>

namespace eventrouter::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;


struct webhook_client::impl : std::enable_shared_from_this<impl> {
  struct pending {
    std::uint64_t tag;
    std::string request;
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
  answer answered;
  net::io_context io;
  net::steady_timer timer{io};
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(io);
  tcp::resolver resolver{io};
  std::vector<std::unique_ptr<lane>> lanes;  // as many as sink.concurrency
  std::deque<pending> queue;                 // waiting for a free lane
  std::thread thread;


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
    auto tag = l.current->tag;
    l.current.reset();
    answered(tag, std::move(result));
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
    // The request stays in l.current until its answer came.
    net::async_write(l.stream, net::buffer(l.current->request), [self = shared_from_this(), &l, reused](
                                                                   beast::error_code ec, std::size_t) {
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

webhook_client::webhook_client(const config::sink_settings& sink, answer answered)
    : impl_(std::make_shared<impl>()) {
  impl_->sink = sink;
  impl_->answered = std::move(answered);
  for (std::size_t i = 0; i < std::max<std::size_t>(1, sink.concurrency); ++i)
    impl_->lanes.push_back(std::make_unique<impl::lane>(impl_->io));
  impl_->thread = std::thread([i = impl_.get()] { i->io.run(); });
}

webhook_client::~webhook_client() {
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
}

void webhook_client::post(std::function<void()> work) { net::post(impl_->io, std::move(work)); }

void webhook_client::send(std::uint64_t tag, std::string request) {
  impl_->queue.push_back({tag, std::move(request)});
  impl_->dispatch();
}

void webhook_client::arm_timer(std::chrono::milliseconds delay, std::function<void()> fire) {
  impl_->timer.expires_after(delay);
  impl_->timer.async_wait([fire = std::move(fire)](beast::error_code ec) {
    if (!ec)
      fire();
  });
}

void webhook_client::cancel_timer() { impl_->timer.cancel(); }

}  // namespace eventrouter::http
