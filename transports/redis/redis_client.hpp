#pragma once
// A blocking connection to one Redis server, on hiredis. Blocking is deliberate: each client
// belongs to one detached actor (a topic's writer or a consumer's reader), which has a thread
// of its own, so a slow Redis never holds a scheduler thread.
//
// Commands may be pipelined: send() queues a command in the output buffer, receive() flushes
// and reads the next reply. A failure of the connection (refused, reset, timed out) throws
// redis::connection_error and leaves the client disconnected; a reply that is a Redis error
// (WRONGTYPE, BUSYGROUP, ...) is an ordinary reply of kind error.

#include "config/settings.hpp"

#include <chrono>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace eventrouter::redis {

struct reply {
  enum class kind { string, status, error, integer, nil, array };
  kind type = kind::nil;
  std::string text;  // string, status and error replies
  long long integer = 0;
  std::vector<reply> elements;

  bool is_error() const { return type == kind::error; }
  bool is_nil() const { return type == kind::nil; }
};

class connection_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class client {
 public:
  explicit client(config::redis_settings settings);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Connects, authenticates and selects the database. Throws connection_error.
  void connect();
  // Connects unless connected. After a failed attempt, further attempts wait out a backoff
  // (reconnect_backoff_ms, doubling) and calls inside it throw at once, so a caller may call
  // this per request without hammering a Redis that is down. True when this call connected:
  // the caller redoes its per-connection set-up.
  bool ensure_connected();
  bool connected() const { return context_ != nullptr; }
  void disconnect();

  void send(std::span<const std::string_view> args);
  void send(std::initializer_list<std::string_view> args) { send(std::span(args.begin(), args.size())); }
  reply receive();

  reply run(std::span<const std::string_view> args) {
    send(args);
    return receive();
  }
  reply run(std::initializer_list<std::string_view> args) { return run(std::span(args.begin(), args.size())); }

  // For commands that block on the server (XREADGROUP BLOCK): the socket waits this much
  // longer than the command timeout, then the usual timeout applies again.
  reply run_blocking(std::span<const std::string_view> args, std::chrono::milliseconds block);

  const config::redis_settings& settings() const { return settings_; }
  std::string address() const;  // host:port, for messages (never the password)

 private:
  [[noreturn]] void fail(const std::string& what);
  void set_timeout(std::chrono::milliseconds timeout);

  config::redis_settings settings_;
  redisContext* context_ = nullptr;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  std::string last_failure_;
};

}  // namespace eventrouter::redis
