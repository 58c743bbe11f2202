#pragma once
// One WebSocket connection to a Pulsar broker's web service (producer, consumer or reader
// endpoint), on the client's IO thread: it connects within `connect_timeout` (TCP and the
// handshake, which carries the token as a Bearer authorization), writes text frames in the
// order sent, hands every frame read to `received`, and pings the broker when the connection is
// idle, since the broker closes a WebSocket that says nothing for 300 s and sends no pings of its
// own. `closed` is called once, with why, when the connection could not be made or is lost; not
// after close(), which still writes what was sent before it.

#include "transports/pulsar/pulsar_client.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace eventrouter::pulsar {

class websocket_session : public std::enable_shared_from_this<websocket_session> {
 public:
  struct events {
    std::function<void()> opened;
    std::function<void(std::string frame)> received;
    std::function<void(const std::string& why)> closed;
  };

  // `target`: the path and query, such as /ws/v2/producer/persistent/public/default/t.
  websocket_session(client& owner, std::string target, events on);

  // On the IO thread, all of them.
  void open();
  void send(std::string frame);
  // Closes once what was sent before is written; `then` runs after, on the IO thread.
  void close(std::function<void()> then = {});

 private:
  void fail(const std::string& why);
  void shut();  // closes the socket
  void read_next();
  void write_next();

  client& client_;
  std::string target_;
  events on_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::websocket::response_type handshake_answer_;
  boost::beast::flat_buffer in_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool done_ = false;    // closed or failed: no more events
  bool failed_ = false;  // the connection is gone
  std::function<void()> after_close_;
};

}  // namespace eventrouter::pulsar
