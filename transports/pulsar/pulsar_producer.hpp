#pragma once
// A producer of one Pulsar topic over the WebSocket API: batches of messages go out with up to
// `max_pending_messages` of them unacknowledged at once, each frame tagged with a context the
// broker's answer names. A batch is done when the broker acknowledged every message of it
// (`done` gets the first one's message id), or failed with the first refusal.
//
// The connection is made when the producer is, and made again after a loss with a backoff that
// doubles from reconnect_backoff_min to reconnect_backoff_max. A loss fails every batch not yet
// acknowledged whole (some of its messages may be in the topic: the caller's retry writes them
// again — at least once); so does a batch waiting longer than send_timeout, which also drops
// the connection, as a broker that stopped answering. While the broker cannot be reached, a new
// batch fails at once rather than waiting: a publish then answers 503 without delay.

#include "transports/pulsar/pulsar_client.hpp"
#include "transports/pulsar/websocket_session.hpp"

#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace eventrouter::pulsar {

class producer : public std::enable_shared_from_this<producer> {
 public:
  // On the IO thread: `error` empty on success, `first_id` the first message's id.
  using done = std::function<void(std::string error, std::string first_id)>;

  // Starts connecting to `topic` (its name in the namespace of `owner`'s settings).
  static std::shared_ptr<producer> open(client& owner, std::string topic);

  // From any thread. `frames` from open_producer_frame (pulsar_message.hpp).
  void send(std::vector<std::string> frames, done on_done);
  // From any thread: closes the connection; batches not yet done get no answer.
  void close();

 private:
  producer(client& owner, std::string topic);

  struct batch {
    std::uint64_t id;
    std::vector<std::string> frames;
    std::size_t unanswered;
    std::string first_id;
    done on_done;
    std::chrono::steady_clock::time_point deadline;
  };

  void connect();
  void on_frame(const std::string& frame);
  void lost(const std::string& why);
  void fail_all(const std::string& why);
  void pump();
  void arm_deadline();
  batch* find(std::uint64_t id);

  client& client_;
  std::string topic_;
  std::shared_ptr<websocket_session> session_;
  enum class link_state { connecting, open, waiting } state_ = link_state::connecting;
  std::string last_error_;
  std::chrono::milliseconds backoff_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer deadline_timer_;
  bool closed_ = false;

  std::deque<batch> batches_;  // in the order sent; deadlines ascending
  std::uint64_t next_batch_ = 0;
  std::deque<std::pair<std::uint64_t, std::size_t>> unsent_;  // (batch, frame) not yet written
  std::unordered_map<std::uint64_t, std::pair<std::uint64_t, std::size_t>> in_flight_;  // context -> (batch, frame)
  std::uint64_t next_context_ = 0;
};

// A producer with the client it runs on, for a holder that has no client of its own: the
// producer's connection is closed first, and the client (its IO thread) goes last.
struct owned_producer {
  std::shared_ptr<client> owner;
  std::shared_ptr<pulsar::producer> writer;
  ~owned_producer() { writer->close(); }
};

}  // namespace eventrouter::pulsar
