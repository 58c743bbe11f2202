#include "webhook_server.hpp"

#include <boost/json/parse.hpp>

namespace eventrouter::testing {

namespace {

std::size_t events_in(const http::request& req) {
  if (req.header("content-type") != "application/cloudevents-batch+json")
    return 1;
  boost::system::error_code ec;
  auto body = boost::json::parse(req.body, ec);
  return !ec && body.is_array() ? body.as_array().size() : 0;
}

}  // namespace

webhook_server::webhook_server(script answer)
    : webhook_server([answer = std::move(answer)](std::size_t call, const http::request&) { return answer(call); }) {}

webhook_server::webhook_server(request_script answer)
    : answer_(std::move(answer)),
      server_({"127.0.0.1", 0, 1 << 20, 1}, [this](http::request&& req, http::responder respond) {
        std::unique_lock lock{mutex_};
        auto arrival = std::chrono::steady_clock::now();
        auto status = answer_(calls_.size(), req);
        events_ += events_in(req);
        calls_.push_back({std::move(req), arrival, status});
        arrived_.notify_all();
        if (status == 0) {
          unanswered_.push_back(std::move(respond));
          return;
        }
        lock.unlock();
        respond({status, "application/json", "{}", {}});
      }) {
  server_.start();
}

webhook_server::~webhook_server() { server_.stop(); }

std::vector<webhook_server::call> webhook_server::history() const {
  std::lock_guard lock{mutex_};
  return calls_;
}

std::vector<http::request> webhook_server::requests() const {
  std::lock_guard lock{mutex_};
  std::vector<http::request> out;
  for (const auto& c : calls_)
    out.push_back(c.request);
  return out;
}

std::vector<std::chrono::steady_clock::time_point> webhook_server::arrivals() const {
  std::lock_guard lock{mutex_};
  std::vector<std::chrono::steady_clock::time_point> out;
  for (const auto& c : calls_)
    out.push_back(c.arrival);
  return out;
}

std::size_t webhook_server::calls() const {
  std::lock_guard lock{mutex_};
  return calls_.size();
}

bool webhook_server::await_calls(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock{mutex_};
  return arrived_.wait_for(lock, timeout, [&] { return calls_.size() >= n; });
}

std::size_t webhook_server::events() const {
  std::lock_guard lock{mutex_};
  return events_;
}

bool webhook_server::await_events(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock{mutex_};
  return arrived_.wait_for(lock, timeout, [&] { return events_ >= n; });
}

}  // namespace eventrouter::testing

