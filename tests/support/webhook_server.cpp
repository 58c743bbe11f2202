#include "webhook_server.hpp"

namespace eventrouter::testing {

webhook_server::webhook_server(script answer)
    : answer_(std::move(answer)),
      server_({"127.0.0.1", 0, 1 << 20, 1}, [this](http::request&& req, http::responder respond) {
        std::unique_lock lock{mutex_};
        auto call = requests_.size();
        requests_.push_back(std::move(req));
        arrivals_.push_back(std::chrono::steady_clock::now());
        arrived_.notify_all();
        auto status = answer_(call);
        answers_.push_back(status);
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

std::vector<http::request> webhook_server::requests() const {
  std::lock_guard lock{mutex_};
  return requests_;
}

std::vector<std::chrono::steady_clock::time_point> webhook_server::arrivals() const {
  std::lock_guard lock{mutex_};
  return arrivals_;
}

std::vector<unsigned> webhook_server::answers() const {
  std::lock_guard lock{mutex_};
  return answers_;
}

std::size_t webhook_server::calls() const {
  std::lock_guard lock{mutex_};
  return requests_.size();
}

bool webhook_server::await_calls(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock{mutex_};
  return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

}  // namespace eventrouter::testing
