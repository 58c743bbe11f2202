#include "transports/pulsar/websocket_session.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream_base.hpp>

namespace eventrouter::pulsar {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {

// Pings go out after half of this quiet, and a connection that answers nothing for all of it is
// given up: well inside the broker's own 300 s.
constexpr std::chrono::seconds idle_timeout{60};

}  // namespace

websocket_session::websocket_session(client& owner, std::string target, events on)
    : client_(owner), target_(std::move(target)), on_(std::move(on)), resolver_(owner.io()), ws_(owner.io()) {}

void websocket_session::open() {
  const auto& settings = client_.settings();
  beast::get_lowest_layer(ws_).expires_after(settings.connect_timeout);
  resolver_.async_resolve(
    settings.service_url.host, std::to_string(settings.service_url.port),
    [self = shared_from_this()](error_code ec, asio::ip::tcp::resolver::results_type found) {
      if (ec)
        return self->fail("cannot resolve " + self->client_.settings().service_url.host + ": " + ec.message());
      beast::get_lowest_layer(self->ws_).async_connect(found, [self](error_code ec, const auto&) {
        if (ec)
          return self->fail("cannot connect to " + self->client_.settings().service_url.authority() + ": " +
                            ec.message());
        beast::get_lowest_layer(self->ws_).socket().set_option(asio::ip::tcp::no_delay(true));
        // From here on the WebSocket's own timeouts apply, the handshake's included.
        beast::get_lowest_layer(self->ws_).expires_never();
        const auto& settings = self->client_.settings();
        self->ws_.set_option(websocket::stream_base::timeout{settings.connect_timeout, idle_timeout, true});
        self->ws_.set_option(websocket::stream_base::decorator([token = settings.token](websocket::request_type& req) {
          req.set(beast::http::field::user_agent, "eventrouter");
          if (!token.empty())
            req.set(beast::http::field::authorization, "Bearer " + token);
        }));
        self->ws_.async_handshake(
          self->handshake_answer_, settings.service_url.authority(), self->target_, [self](error_code ec) {
            if (ec == websocket::error::upgrade_declined)
              return self->fail("the broker refused the WebSocket of " + self->target_ + ": HTTP " +
                                std::to_string(self->handshake_answer_.result_int()) + " " +
                                std::string(self->handshake_answer_.reason()));
            if (ec)
              return self->fail("WebSocket handshake for " + self->target_ + ": " + ec.message());
            self->ws_.text(true);
            self->write_next();
            if (self->done_) {  // closed while connecting: only what was sent before goes out
              if (self->outbox_.empty())
                self->shut();
              return;
            }
            self->read_next();
            if (self->on_.opened)
              self->on_.opened();
          });
      });
    });
}

void websocket_session::send(std::string frame) {
  if (done_ || failed_)
    return;
  outbox_.push_back(std::move(frame));
  write_next();
}

void websocket_session::write_next() {
  if (writing_ || outbox_.empty() || !ws_.is_open())
    return;
  writing_ = true;
  ws_.async_write(asio::buffer(outbox_.front()), [self = shared_from_this()](error_code ec, std::size_t) {
    self->writing_ = false;
    if (ec)
      return self->fail("writing to the broker: " + ec.message());
    self->outbox_.pop_front();
    if (self->done_ && self->outbox_.empty())
      return self->shut();
    self->write_next();
  });
}

void websocket_session::read_next() {
  ws_.async_read(in_, [self = shared_from_this()](error_code ec, std::size_t) {
    if (ec)
      return self->fail(ec == websocket::error::closed ? "the broker closed the connection: " +
                                                           std::string(self->ws_.reason().reason.data(), self->ws_.reason().reason.size())
                                                       : "reading from the broker: " + ec.message());
    if (self->done_)
      return;
    self->on_.received(beast::buffers_to_string(self->in_.data()));
    self->in_.consume(self->in_.size());
    if (!self->done_)
      self->read_next();
  });
}

void websocket_session::fail(const std::string& why) {
  if (failed_)
    return;
  failed_ = true;
  shut();
  if (!done_ && on_.closed)
    on_.closed(why);
  done_ = true;
}

void websocket_session::close(std::function<void()> then) {
  after_close_ = std::move(then);
  if (failed_)
    return shut();
  if (done_)
    return;
  done_ = true;
  resolver_.cancel();
  // What was sent before (acknowledgements) goes out first.
  if (!writing_ && outbox_.empty())
    shut();
}

void websocket_session::shut() {
  error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  if (auto then = std::exchange(after_close_, {}))
    then();
}

}  // namespace eventrouter::pulsar
