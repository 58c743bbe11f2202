#include "transports/redis/redis_client.hpp"

#include <hiredis/hiredis.h>

#include <sys/time.h>

#include <algorithm>

namespace eventrouter::redis {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

reply convert(const redisReply& r) {
  reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = reply::kind::string;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = reply::kind::status;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = reply::kind::error;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = reply::kind::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i)
        out.elements.push_back(convert(*r.element[i]));
      break;
    default:
      out.type = reply::kind::nil;
  }
  return out;
}

}  // namespace

client::client(config::redis_settings settings) : settings_(std::move(settings)) {}

client::~client() { disconnect(); }

std::string client::address() const { return settings_.host + ":" + std::to_string(settings_.port); }

void client::disconnect() {
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
}

void client::fail(const std::string& what) {
  std::string reason = context_ != nullptr && context_->err != 0 ? context_->errstr : "no reply";
  disconnect();
  throw connection_error("redis at " + address() + ": " + what + ": " + reason);
}

void client::set_timeout(std::chrono::milliseconds timeout) {
  if (redisSetTimeout(context_, to_timeval(timeout)) != REDIS_OK)
    fail("cannot set the socket timeout");
}

void client::connect() {
  disconnect();
  context_ = redisConnectWithTimeout(settings_.host.c_str(), settings_.port, to_timeval(settings_.connect_timeout));
  if (context_ == nullptr)
    throw connection_error("redis at " + address() + ": cannot allocate a connection");
  if (context_->err != 0)
    fail("cannot connect");
  set_timeout(settings_.command_timeout);
  auto check = [&](const reply& r, const char* step) {
    if (r.is_error()) {
      auto message = "redis at " + address() + ": " + step + " failed: " + r.text;
      disconnect();
      throw connection_error(message);
    }
  };
  if (!settings_.password.empty()) {
    if (settings_.user.empty())
      check(run({"AUTH", settings_.password}), "AUTH");
    else
      check(run({"AUTH", settings_.user, settings_.password}), "AUTH");
  }
  if (settings_.db != 0)
    check(run({"SELECT", std::to_string(settings_.db)}), "SELECT");
}

bool client::ensure_connected() {
  if (context_ != nullptr)
    return false;
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_)
    throw connection_error(last_failure_ + " (next attempt in " +
                           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now).count()) +
                           " ms)");
  try {
    connect();
  } catch (const connection_error& e) {
    backoff_ = backoff_.count() == 0 ? settings_.reconnect_backoff_min
                                     : std::min(backoff_ * 2, settings_.reconnect_backoff_max);
    next_attempt_ = std::chrono::steady_clock::now() + backoff_;  // from the failure, however long it took
    last_failure_ = e.what();
    throw;
  }
  backoff_ = std::chrono::milliseconds(0);
  return true;
}

void client::send(std::span<const std::string_view> args) {
  if (context_ == nullptr)
    throw connection_error("redis at " + address() + ": not connected");
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  if (redisAppendCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lengths.data()) != REDIS_OK)
    fail("cannot queue a command");
}

reply client::receive() {
  if (context_ == nullptr)
    throw connection_error("redis at " + address() + ": not connected");
  void* raw = nullptr;
  if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr)
    fail("connection lost");
  auto* r = static_cast<redisReply*>(raw);
  auto out = convert(*r);
  freeReplyObject(r);
  return out;
}

reply client::run_blocking(std::span<const std::string_view> args, std::chrono::milliseconds block) {
  if (context_ == nullptr)
    throw connection_error("redis at " + address() + ": not connected");
  set_timeout(block + settings_.command_timeout);
  auto out = run(args);
  set_timeout(settings_.command_timeout);
  return out;
}

}  // namespace eventrouter::redis
