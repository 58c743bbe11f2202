#pragma once
// What the Pulsar clients of one configuration share: the settings and an IO thread of their own
// on which every WebSocket session and admin request of the transport runs. The producers,
// consumers and admin requests are used from other threads only through post(); their results
// come back on the IO thread, to callbacks that hand them on (to an actor, a future).
//
// Lifetime: whoever holds a producer or consumer holds the client too, declared before it, so
// the client (and its io_context) outlives every session; nothing on the IO thread holds the
// client, so its destructor never runs there.

#include "config/settings.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace eventrouter::pulsar {

class client {
 public:
  explicit client(config::pulsar_settings settings);
  ~client();  // stops the IO thread; what is under way gets no answer
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  const config::pulsar_settings& settings() const { return settings_; }
  boost::asio::io_context& io() { return io_; }
  // Runs `work` on the IO thread.
  void post(std::function<void()> work);

  // "persistent/<tenant>/<namespace>/<topic>", as the WebSocket and admin paths name a topic.
  std::string topic_path(std::string_view topic) const;

 private:
  config::pulsar_settings settings_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

// `text` percent-encoded for a URL's path or query (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view text);

}  // namespace eventrouter::pulsar
