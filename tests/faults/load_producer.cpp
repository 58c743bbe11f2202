#include "load_producer.hpp"

#include "eventually.hpp"
#include "http_client.hpp"
#include "service_under_test.hpp"

#include <boost/json.hpp>
#include <boost/system/system_error.hpp>

namespace eventrouter::testing {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// A request that gets no answer within this is taken as failed and retried.
constexpr auto request_timeout = 10s;
// Shorter than the Retry-After the service sends (1 s), to keep each case short.
constexpr auto retry_backoff = 100ms;

}  // namespace

load_producer::load_producer(std::uint16_t port, options opts)
    : port_(port), opts_(std::move(opts)), thread_([this] { run(); }) {}

load_producer::~load_producer() {
  stopping_ = true;
  thread_.join();
}

void load_producer::run() {
  auto deadline = clock::now() + opts_.deadline;
  for (int first = 0; first < opts_.events && !stopping_;) {
    if (post_batch(first)) {
      first += opts_.batch;
      std::this_thread::sleep_for(opts_.pace);  // the producer's rate, not a wait for a condition
    } else if (clock::now() > deadline) {
      break;
    } else {
      std::this_thread::sleep_for(retry_backoff);
    }
  }
  done_ = true;
}

bool load_producer::post_batch(int first) {
  json::array events;
  std::vector<std::string> ids;
  for (int i = first; i < std::min(opts_.events, first + opts_.batch); ++i) {
    ids.push_back(opts_.prefix + std::to_string(i));
    events.push_back(xblock_published_event(ids.back(), "block-v1:fault+" + std::to_string(i % 13)));
  }
  posted_ += static_cast<int>(ids.size());
  std::string refusal;
  try {
    auto reply = http_request_within(request_timeout, port_, "POST", "/v1/events", batch_mode, json::serialize(events));
    if (reply.status == 202) {
      auto now = clock::now();
      std::lock_guard lock{mutex_};
      for (auto& id : ids)
        accepted_.emplace_back(std::move(id), now);
      return true;
    }
    auto retry_after = reply.headers.find("retry-after");
    refusal = std::to_string(reply.status) +
              (retry_after == reply.headers.end() ? "" : " (retry-after " + retry_after->second + ")") + ": " +
              reply.body.substr(0, 160);
  } catch (const boost::system::system_error& e) {
    refusal = "no answer: " + e.code().message();  // what() adds Boost's source location
  }
  refused_ += static_cast<int>(ids.size());
  std::lock_guard lock{mutex_};
  refusals_[refusal]++;
  return false;
}

bool load_producer::await_accepted(int n, std::chrono::milliseconds timeout) const {
  return eventually(
    [&] {
      std::lock_guard lock{mutex_};
      return static_cast<int>(accepted_.size()) >= n;
    },
    timeout);
}

bool load_producer::await_done() {
  eventually([&] { return done_.load(); }, opts_.deadline + request_timeout + 1s);
  std::lock_guard lock{mutex_};
  return static_cast<int>(accepted_.size()) == opts_.events;
}

std::vector<std::pair<std::string, load_producer::clock::time_point>> load_producer::accepted() const {
  std::lock_guard lock{mutex_};
  return accepted_;
}

std::map<std::string, int> load_producer::refusals() const {
  std::lock_guard lock{mutex_};
  return refusals_;
}

}  // namespace eventrouter::testing
