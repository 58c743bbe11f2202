#include "transports/pulsar/pulsar_consumer.hpp"

#include <algorithm>

namespace eventrouter::pulsar {

std::shared_ptr<consumer> consumer::open(client& owner, const subscription& what, events on) {
  static constexpr const char* types[] = {"Shared", "Key_Shared", "Exclusive"};
  auto target = "/ws/v2/consumer/" + owner.topic_path(what.topic) + "/" + url_encode(what.name) +
                "?subscriptionType=" + types[static_cast<int>(what.type)] + "&pullMode=true" +
                "&subscriptionInitialPosition=" + (what.from_earliest ? "Earliest" : "Latest") +
                "&negativeAckRedeliveryDelay=" +
                std::to_string(owner.settings().negative_ack_redelivery_delay.count());
  if (!what.consumer_name.empty())
    target += "&consumerName=" + url_encode(what.consumer_name);
  std::shared_ptr<consumer> made(new consumer(owner, std::move(target), std::move(on)));
  owner.post([made] { made->connect(); });
  return made;
}

std::shared_ptr<consumer> consumer::open_reader(client& owner, std::string_view topic, std::string_view start,
                                                events on) {
  auto target = "/ws/v2/reader/" + owner.topic_path(topic) + "?messageId=" + url_encode(start);
  std::shared_ptr<consumer> made(new consumer(owner, std::move(target), std::move(on)));
  owner.post([made] { made->connect(); });
  return made;
}

consumer::consumer(client& owner, std::string target, events on)
    : client_(owner),
      target_(std::move(target)),
      on_(std::move(on)),
      backoff_(owner.settings().reconnect_backoff_min),
      reconnect_timer_(owner.io()) {}

void consumer::connect() {
  if (closed_)
    return;
  auto weak = weak_from_this();
  session_ = std::make_shared<websocket_session>(
    client_, target_,
    websocket_session::events{
      .opened =
        [weak] {
          if (auto self = weak.lock()) {
            self->open_ = true;
            self->backoff_ = self->client_.settings().reconnect_backoff_min;
            if (self->on_.opened)
              self->on_.opened();
          }
        },
      .received =
        [weak](std::string frame) {
          if (auto self = weak.lock())
            self->on_.received(parse_received_frame(frame));
        },
      .closed =
        [weak](const std::string& why) {
          auto self = weak.lock();
          if (!self || self->closed_)
            return;
          self->open_ = false;
          self->on_.lost(why);
          self->reconnect_timer_.expires_after(self->backoff_);
          self->backoff_ = std::min(self->backoff_ * 2, self->client_.settings().reconnect_backoff_max);
          self->reconnect_timer_.async_wait([weak](boost::system::error_code ec) {
            if (auto self = weak.lock(); self && !ec)
              self->connect();
          });
        },
    });
  session_->open();
}

void consumer::send(std::vector<std::string> frames) {
  client_.post([self = shared_from_this(), frames = std::move(frames)]() mutable {
    if (!self->open_ || self->closed_)
      return;
    for (auto& frame : frames)
      self->session_->send(std::move(frame));
  });
}

void consumer::permit(std::size_t n) { send({permit_frame(n)}); }

void consumer::ack(std::vector<std::string> message_ids) {
  for (auto& id : message_ids)
    id = ack_frame(id);
  send(std::move(message_ids));
}

void consumer::nack(std::vector<std::string> message_ids) {
  for (auto& id : message_ids)
    id = negative_ack_frame(id);
  send(std::move(message_ids));
}

void consumer::close(std::function<void()> then) {
  client_.post([self = shared_from_this(), then = std::move(then)]() mutable {
    self->closed_ = true;
    self->reconnect_timer_.cancel();
    if (self->session_)
      self->session_->close(std::move(then));
    else if (then)
      then();
  });
}

}  // namespace eventrouter::pulsar
