#pragma once
// A consumer of one Pulsar subscription (or a reader of a topic) over the WebSocket API, in pull mode: the broker pushes
// only as many messages as permit() allowed, so what a consumer holds stays within what it
// asked for. Messages are acknowledged (ack) or given back (nack: the broker redelivers after
// negative_ack_redelivery_delay) one by one, by id.
//
// A lost connection is reported (`lost`) and made again after a backoff that doubles from
// reconnect_backoff_min to reconnect_backoff_max; permits do not survive it (they are the
// connection's), and the broker redelivers what was pushed and not acknowledged.

#include "transports/pulsar/pulsar_client.hpp"
#include "transports/pulsar/pulsar_message.hpp"
#include "transports/pulsar/websocket_session.hpp"

#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace eventrouter::pulsar {

struct subscription {
  std::string topic;  // its name in the namespace
  std::string name;
  enum class kind { shared, key_shared, exclusive } type = kind::shared;
  bool from_earliest = true;  // where a subscription that does not exist yet starts
  std::string consumer_name;  // shown by the broker's stats; empty: the broker picks one
};

class consumer : public std::enable_shared_from_this<consumer> {
 public:
  struct events {
    std::function<void()> opened;                                  // permits may be given from now on
    std::function<void(received_frame)> received;
    std::function<void(const std::string& why)> lost;
  };

  // Starts connecting. The events come on the IO thread.
  static std::shared_ptr<consumer> open(client& owner, const subscription& what, events on);
  // A reader of `topic`, in no subscription, from the first message after `start` ("earliest",
  // "latest", or a message id); acknowledgements only keep the broker pushing.
  static std::shared_ptr<consumer> open_reader(client& owner, std::string_view topic, std::string_view start,
                                               events on);

  // From any thread.
  void permit(std::size_t n);
  void ack(std::vector<std::string> message_ids);
  void nack(std::vector<std::string> message_ids);
  // Closes once what was sent before (acknowledgements) is written; `then` runs after, on the IO
  // thread.
  void close(std::function<void()> then = {});

 private:
  consumer(client& owner, std::string target, events on);
  void connect();
  // From any thread; dropped while not connected (what they answered is redelivered anyway).
  void send(std::vector<std::string> frames);

  client& client_;
  std::string target_;
  events on_;
  std::shared_ptr<websocket_session> session_;
  bool open_ = false;
  bool closed_ = false;
  std::chrono::milliseconds backoff_;
  boost::asio::steady_timer reconnect_timer_;
};

}  // namespace eventrouter::pulsar
