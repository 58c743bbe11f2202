#include "transports/pulsar/pulsar_admin.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

namespace eventrouter::pulsar {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

struct admin_exchange : std::enable_shared_from_this<admin_exchange> {
  admin_exchange(client& owner, std::function<void(admin_answer)> done)
      : owner(owner), resolver(owner.io()), stream(owner.io()), done(std::move(done)) {}

  void start() {
    const auto& settings = owner.settings();
    stream.expires_after(settings.send_timeout);
    resolver.async_resolve(settings.service_url.host, std::to_string(settings.service_url.port),
                           [self = shared_from_this()](error_code ec, asio::ip::tcp::resolver::results_type found) {
                             if (ec)
                               return self->fail("cannot resolve the broker: " + ec.message());
                             self->stream.async_connect(found, [self](error_code ec, const auto&) {
                               if (ec)
                                 return self->fail("cannot connect to the broker: " + ec.message());
                               self->write();
                             });
                           });
  }

  void write() {
    http::async_write(stream, request, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec)
        return self->fail("sending to the broker: " + ec.message());
      http::async_read(self->stream, self->buffer, self->response, [self](error_code ec, std::size_t) {
        if (ec)
          return self->fail("reading the broker's answer: " + ec.message());
        error_code ignored;
        self->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        self->done(admin_answer{self->response.result_int(), std::move(self->response.body()), {}});
      });
    });
  }

  void fail(std::string why) { done(admin_answer{0, {}, std::move(why)}); }

  client& owner;
  asio::ip::tcp::resolver resolver;
  beast::tcp_stream stream;
  http::request<http::string_body> request;
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  std::function<void(admin_answer)> done;
};

}  // namespace

void admin_request(client& owner, std::string method, std::string path, std::string body,
                   std::function<void(admin_answer)> done) {
  auto exchange = std::make_shared<admin_exchange>(owner, std::move(done));
  auto& req = exchange->request;
  req.method(http::string_to_verb(method));
  req.target(path);
  req.version(11);
  req.set(http::field::host, owner.settings().service_url.authority());
  req.set(http::field::user_agent, "eventrouter");
  if (!owner.settings().token.empty())
    req.set(http::field::authorization, "Bearer " + owner.settings().token);
  if (!body.empty())
    req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  owner.post([exchange] { exchange->start(); });
}

admin_answer admin_call(client& owner, std::string method, std::string path, std::string body) {
  auto answer = std::make_shared<std::promise<admin_answer>>();
  auto future = answer->get_future();
  admin_request(owner, std::move(method), std::move(path), std::move(body),
                [answer](admin_answer a) { answer->set_value(std::move(a)); });
  return future.get();
}

std::optional<std::uint64_t> subscription_backlog(const std::string& stats_body, const std::string& name) {
  boost::json::error_code ec;
  auto stats = boost::json::parse(stats_body, ec);
  if (ec || !stats.is_object())
    return std::nullopt;
  const auto* subscriptions = stats.get_object().if_contains("subscriptions");
  if (subscriptions == nullptr || !subscriptions->is_object())
    return std::nullopt;
  const auto* sub = subscriptions->get_object().if_contains(name);
  if (sub == nullptr || !sub->is_object())
    return std::nullopt;
  const auto* backlog = sub->get_object().if_contains("msgBacklog");
  if (backlog == nullptr || !backlog->is_number())
    return std::nullopt;
  return backlog->to_number<std::uint64_t>();
}

std::string admin_path(const client& owner, std::string_view topic, std::string_view what) {
  return "/admin/v2/" + owner.topic_path(topic) + "/" + std::string(what);
}

}  // namespace eventrouter::pulsar
